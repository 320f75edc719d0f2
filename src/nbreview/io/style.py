"""Write a notebook in another file's format, so that a merge result differs from the local file only where it merged.

``git merge-file`` keeps a file's bytes outside the merged hunks; a notebook merge should too.
:func:`dumps_like` writes the merged notebook (nbformat 4, as the merge builds it) the way the
local file was written: its nbformat version (3 stays 3 when nbformat 3 can hold the result),
its indent, key order, ``\\uXXXX`` escaping, line endings, final newline and string-vs-list style for
multi-line text. Cells and metadata the merge left as local has them are written as the local
file holds them, byte for byte in the JSON sense.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nbreview.io.upgrade import downgrade_cell, v3_expressible
from nbreview.io.write import dumps_notebook

_SPLIT_MIMES = ("application/javascript", "image/svg+xml")
_V3_SPLIT = ("text", "html", "svg", "latex", "javascript", "json")
_NON_ASCII_ESCAPE = re.compile(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]|[1-9a-fA-F][0-9a-fA-F]{2})[0-9a-fA-F]")


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class FileStyle:
    """How one notebook file is written, learned from its text and its parsed JSON."""

    def __init__(self, text: str, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.version = 3 if raw.get("nbformat") == 3 else 4
        first = re.search(r"\n([ \t]+)\S", text)
        self.indent: int | str | None = None
        self.language = "python"
        if first:
            ws = first.group(1)
            self.indent = len(ws) if set(ws) == {" "} else ws
        self.separators = None if self.indent is not None or '": ' in text else (",", ":")
        self.ensure_ascii = text.isascii() and bool(_NON_ASCII_ESCAPE.search(text))
        self.final_newline = text.endswith("\n")
        self.crlf = "\r\n" in text[:4096]  # saved on Windows: JSON strings escape theirs, so every raw one is layout
        self.orders: dict[tuple[str, ...], list[str]] = {}
        self.sorted = self._learn(raw, ())
        cells = self.raw_cells()
        source_key = "input" if self.version == 3 else "source"
        self.source_lists = _lists([c.get(source_key, c.get("source")) for c in cells], True)
        outputs = [o for c in cells if isinstance(c.get("outputs"), list) for o in c["outputs"] if isinstance(o, dict)]
        texts = [o.get("text") for o in outputs]
        texts += [v for o in outputs for k, v in (o.get("data") or {}).items() if k.startswith("text/")]
        texts += [o.get(k) for o in outputs for k in _V3_SPLIT if self.version == 3 and k != "text"]
        self.output_lists = _lists(texts, True)
        langs = [str(c["language"]) for c in cells if isinstance(c.get("language"), str)]
        self.language = langs[0] if langs else self.language

    def raw_cells(self) -> list[dict[str, Any]]:
        if self.version == 3:
            worksheets = self.raw.get("worksheets") or []
            return [c for ws in worksheets if isinstance(ws, dict) for c in ws.get("cells", []) if isinstance(c, dict)]
        return [c for c in self.raw.get("cells", []) if isinstance(c, dict)]

    def _learn(self, value: Any, ctx: tuple[str, ...]) -> bool:
        """Record the key order of every object under ``ctx``; True when every object's keys are sorted."""
        ok = True
        if isinstance(value, dict):
            keys = list(value)
            ok = keys == sorted(keys)
            seq = self.orders.setdefault(ctx, [])
            prev = -1
            for key in keys:
                if key in seq:
                    prev = seq.index(key)
                else:
                    prev += 1
                    seq.insert(prev, key)
            for key, item in value.items():
                ok = self._learn(item, ctx + (key,)) and ok
        elif isinstance(value, list):
            for item in value:
                ok = self._learn(item, ctx) and ok
        return ok

    def order(self, value: Any, ctx: tuple[str, ...]) -> Any:
        """``value`` with every object's keys in the order the file uses for that place (sorted if it sorts)."""
        if isinstance(value, dict):
            seq = self.orders.get(ctx, [])
            rank = {k: i for i, k in enumerate(seq)}
            keys = sorted(value, key=lambda k: (rank.get(k, len(seq)), k if self.sorted else ""))
            return {k: self.order(value[k], ctx + (k,)) for k in keys}
        if isinstance(value, list):
            return [self.order(item, ctx) for item in value]
        return value

    def dumps(self, doc: Any) -> str:
        text = json.dumps(doc, indent=self.indent, separators=self.separators, sort_keys=self.sorted,
                          ensure_ascii=self.ensure_ascii)
        text = text + "\n" if self.final_newline else text
        return text.replace("\n", "\r\n") if self.crlf else text


def _lists(values: list[Any], default: bool) -> bool:
    """Whether multi-line text is stored as a list of lines (nbformat's way) or as one string."""
    multi = [v for v in values if (isinstance(v, str) and "\n" in v.rstrip("\n")) or (isinstance(v, list) and v)]
    return isinstance(multi[0], list) if multi else default


def _split(text: Any, lists: bool) -> Any:
    return text.splitlines(True) if lists and isinstance(text, str) else text


def _style_v4_cell(cell: dict[str, Any], st: FileStyle) -> dict[str, Any]:
    cell = dict(cell)
    cell["source"] = _split(cell.get("source", ""), st.source_lists)
    if cell.get("cell_type") == "code":
        outputs = []
        for out in cell.get("outputs", []):
            out = dict(out)
            if isinstance(out.get("data"), dict):
                out["data"] = {k: _split(v, st.output_lists) if k.startswith("text/") or k in _SPLIT_MIMES else v
                               for k, v in out["data"].items()}
            if "text" in out:
                out["text"] = _split(out["text"], st.output_lists)
            outputs.append(out)
        cell["outputs"] = outputs
    return cell


def _style_v3_cell(cell: dict[str, Any], st: FileStyle) -> dict[str, Any]:
    cell = downgrade_cell(cell, st.language)
    for key in ("input", "source", "rendered"):
        if key in cell:
            cell[key] = _split(cell[key], st.source_lists)
    outputs = []
    for out in cell.get("outputs", []):
        outputs.append({k: _split(v, st.output_lists) if k in _V3_SPLIT else v for k, v in out.items()})
    if "outputs" in cell:
        cell["outputs"] = outputs
    return cell


def dumps_like(nb: dict[str, Any], local_text: str, local_nb: dict[str, Any]) -> str:
    """``nb`` (nbformat 4) as text in the local file's format; ``local_nb`` is that file as nbreview loaded it.

    Falls back to :func:`~nbreview.io.write.dumps_notebook` when the local file gives no format to keep, or
    when the text in its format would not read back, unrepaired, as ``nb`` (a local file that needed repair
    has a structure that is not worth keeping, and a merge result is always a valid notebook).
    """
    from nbreview.errors import NbreviewError
    from nbreview.io.load import parse_bytes

    try:
        text = _dumps_like(nb, local_text, local_nb)
        back = parse_bytes(text.encode("utf-8"), "merged")
    except (NbreviewError, TypeError, AttributeError, KeyError, IndexError):  # a file too odd to learn from
        return dumps_notebook(nb)
    return text if not back.problems and back.nb == nb else dumps_notebook(nb)


def _dumps_like(nb: dict[str, Any], local_text: str, local_nb: dict[str, Any]) -> str:
    try:
        raw = json.loads(local_text)
    except ValueError:
        return dumps_notebook(nb)
    if not isinstance(raw, dict) or raw.get("nbformat") not in (3, 4):
        return dumps_notebook(nb)
    st = FileStyle(local_text, raw)
    raw_cells = st.raw_cells()
    local_cells = local_nb.get("cells", [])
    same: dict[str, list[dict[str, Any]]] = {}
    if len(raw_cells) == len(local_cells):
        for norm, kept in zip(local_cells, raw_cells, strict=True):
            same.setdefault(_canon(norm), []).append(kept)
    v3 = st.version == 3 and v3_expressible(nb)
    ctx: tuple[str, ...] = ("worksheets", "cells") if v3 else ("cells",)
    cells = []
    for cell in nb.get("cells", []):
        stored = same.get(_canon(cell))
        if stored:
            cells.append(stored.pop(0))
        else:
            styled = _style_v3_cell(cell, st) if v3 else _style_v4_cell(cell, st)
            cells.append(st.order(styled, ctx))
    metadata = nb.get("metadata", {})
    if _canon(metadata) == _canon(local_nb.get("metadata", {})):
        metadata = raw.get("metadata", metadata)
    else:
        if v3:
            metadata = {k: v for k, v in metadata.items() if k not in ("orig_nbformat", "orig_nbformat_minor")}
            raw_meta = raw.get("metadata")
            if isinstance(raw_meta, dict) and "name" in raw_meta:
                metadata["name"] = raw_meta["name"]
        metadata = st.order(metadata, ("metadata",))
    if v3:
        sheets = raw.get("worksheets")
        sheet = dict(sheets[0]) if isinstance(sheets, list) and sheets and isinstance(sheets[0], dict) else {}
        sheet["cells"] = cells
        fields: dict[str, Any] = {"metadata": metadata, "nbformat": 3, "nbformat_minor": raw.get("nbformat_minor", 0),
                                  "worksheets": [sheet]}
    else:
        fields = dict(nb, metadata=metadata, cells=cells)
    top = {k: fields[k] for k in raw if k in fields}
    top.update((k, v) for k, v in fields.items() if k not in top)
    return st.dumps(top)
