"""The tolerant reader's second half: bring any parsed notebook into nbformat 4's shape.

Notebooks come from forks and half-finished tools, so every structural oddity is either
repaired here, with a warning naming the JSON path (``cells[3].outputs[0].text``), or refused
with a one-line :class:`NotANotebookError`. After this pass every consumer (engine, renderers,
merge, writers) can rely on the shape: sources and stream texts are strings, metadata are
objects, outputs are objects with a known ``output_type``, tracebacks are lists of strings,
unknown cell types are raw cells. Lone surrogates (valid JSON escapes such as ``"\\ud83d"``
that no encoder accepts) become U+FFFD, and JSON nested deeper than :data:`MAX_DEPTH` is refused
so that no recursive consumer can overflow the stack.
"""

from __future__ import annotations

import json
import re

from nbreview import lazy_re
from nbreview.errors import NotANotebookError

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

CELL_TYPES = ("code", "markdown", "raw")
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")
MAX_DEPTH = 100  # nesting deeper than this is refused: real notebooks nest a few dozen levels at most
MAX_PROBLEMS = 20  # warnings listed per notebook; the rest are counted

_CODE_KEYS = frozenset(("cell_type", "source", "metadata", "id", "outputs", "execution_count"))
_TEXT_KEYS = frozenset(("cell_type", "source", "metadata", "id"))
_STREAM_KEYS = frozenset(("output_type", "name", "text"))
_RICH_KEYS = frozenset(("output_type", "data", "metadata", "execution_count"))
_ERROR_KEYS = frozenset(("output_type", "ename", "evalue", "traceback"))
_SURROGATE = lazy_re.compile("[\ud800-\udfff]")  # compiled only for a notebook that holds one
# In the raw file a surrogate can only come from a \uD800-\uDFFF escape: no escape, no walk.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


class Repairer:
    """One pass over one notebook, collecting what it had to repair."""

    def __init__(self, label: str, surrogates: bool) -> None:
        self.label = label
        self.surrogates = surrogates
        self.problems: list[str] = []
        self.hidden = 0
        self.replaced_surrogates = False

    def note(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.hidden += 1

    def finish(self) -> list[str]:
        if self.replaced_surrogates:
            self.problems.insert(0, "lone UTF-16 surrogates (invalid Unicode) shown as U+FFFD")
        if self.hidden:
            self.problems.append(f"… and {self.hidden} more repairs")
        return self.problems

    # -- free JSON (metadata, JSON outputs, unknown keys): depth and surrogates only ------------

    def free(self, value: Any, path: str, depth: int = 0) -> Any:
        """Check a free-form JSON value: bounded depth, no lone surrogates (keys included)."""
        if not value or not isinstance(value, (dict, list)):
            if self.surrogates and isinstance(value, str):
                return self.text(value)
            return value
        stack: list[tuple[Any, int]] = [(value, depth)]
        fix = self.surrogates
        while stack:
            node, d = stack.pop()
            if d > MAX_DEPTH:
                raise NotANotebookError(self.label, f"{path} is nested more than {MAX_DEPTH} levels deep")
            if isinstance(node, dict):
                if fix and any(_SURROGATE.search(k) for k in node):
                    items = [(self.text(k), v) for k, v in node.items()]
                    node.clear()
                    node.update(items)
                for k, v in node.items():
                    if isinstance(v, (dict, list)):
                        stack.append((v, d + 1))
                    elif fix and isinstance(v, str) and _SURROGATE.search(v):
                        node[k] = self.text(v)
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    if isinstance(v, (dict, list)):
                        stack.append((v, d + 1))
                    elif fix and isinstance(v, str) and _SURROGATE.search(v):
                        node[i] = self.text(v)
        return value

    def text(self, value: str) -> str:
        if self.surrogates and _SURROGATE.search(value):
            self.replaced_surrogates = True
            return _SURROGATE.sub("\ufffd", value)
        return value

    # -- typed places ---------------------------------------------------------------------------

    def string(self, value: Any, path: str, *, multiline: bool = True) -> str:
        """A string field; lists of lines are joined, anything else is shown as its JSON text."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list) and multiline and all(isinstance(v, str) for v in value):
            return self.text("".join(value))
        if isinstance(value, list) and multiline:
            self.note(f"{path}: a list holding {', '.join(sorted({_kind(v) for v in value if not isinstance(v, str)}))}"
                      "; non-text items shown as JSON")
            return self.text("".join(v if isinstance(v, str) else self._json(v, path) for v in value))
        self.note(f"{path}: {_kind(value)} where text belongs; shown as JSON text")
        return "" if value is None else self.text(self._json(value, path))

    def _json(self, value: Any, path: str) -> str:
        self.free(value, path)
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        """A metadata-like object; anything else becomes an empty object."""
        if isinstance(value, dict):
            return self.free(value, path, 1)  # type: ignore[no-any-return]
        self.note(f"{path}: {_kind(value)}, not an object; shown as empty")
        return {}

    def notebook(self, nb: dict[str, Any]) -> None:
        cells = nb.get("cells")
        if not isinstance(cells, list):
            raise NotANotebookError(self.label, "has no 'cells' list")
        nb["metadata"] = self.obj(nb.get("metadata", {}), "metadata")
        for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
            nb["metadata"].pop(key, None)
        for key in ("kernelspec", "language_info"):  # the two the format gives a shape to
            if key in nb["metadata"] and not isinstance(nb["metadata"][key], dict):
                self.note(f"metadata.{key}: {_kind(nb['metadata'][key])}, not an object; dropped")
                del nb["metadata"][key]
        minor = nb.get("nbformat_minor", 0)
        if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
            self.note(f"nbformat_minor: {_kind(minor)}, not a version number; read as 0")
            nb["nbformat_minor"] = 0
        for key in [k for k in nb if k not in ("cells", "metadata", "nbformat", "nbformat_minor")]:
            self.free(nb[key], key, 1)
        for i, cell in enumerate(cells):
            if not isinstance(cell, dict):
                raise NotANotebookError(self.label, f"cell {i} is {_kind(cell)}, not an object")
            self.cell(cell, f"cells[{i}]", i)

    def cell(self, cell: dict[str, Any], path: str, index: int) -> None:
        if not self.surrogates and self._well_formed_cell(cell, path):
            return
        ctype = cell.get("cell_type")
        if ctype not in CELL_TYPES:
            shown = ctype if isinstance(ctype, str) else _kind(ctype)
            self.note(f"cell {index}: unknown cell_type {shown!r}; shown as a raw cell")
            cell["cell_type"] = ctype = "raw"
        required = ["source", "metadata"] + (["outputs", "execution_count"] if ctype == "code" else [])
        missing = [k for k in required if k not in cell]
        if missing:
            self.note(f"cell {index}: missing {', '.join(missing)}")
        cell["source"] = self.string(cell.get("source", ""), f"{path}.source")
        meta = self.obj(cell.get("metadata", {}), f"{path}.metadata")
        meta.pop("trusted", None)
        cell["metadata"] = meta
        if "id" in cell and cell["id"] is None:
            self.note(f"{path}.id: null; dropped")
            del cell["id"]
        elif "id" in cell:
            cell["id"] = self.string(cell["id"], f"{path}.id", multiline=False)
        if "attachments" in cell:
            cell["attachments"] = self.attachments(cell["attachments"], f"{path}.attachments")
        if ctype == "code":
            cell["execution_count"] = self.count(cell.get("execution_count"), f"{path}.execution_count")
            outputs = cell.get("outputs", [])
            if not isinstance(outputs, list):
                self.note(f"{path}.outputs: {_kind(outputs)}, not a list; read as one output")
                outputs = [outputs]
            cell["outputs"] = [self.output(o, f"{path}.outputs[{k}]") for k, o in enumerate(outputs)]
        else:
            for key in ("outputs", "execution_count"):
                if key in cell:
                    self.note(f"{path}.{key}: not allowed on a {ctype} cell; dropped")
                    del cell[key]
        for key in [k for k in cell if k not in ("cell_type", "source", "metadata", "id", "attachments", "outputs",
                                                  "execution_count")]:
            self.free(cell[key], f"{path}.{key}", 1)

    # -- the fast path: a well-formed cell is only checked (and its lines joined) ----------------

    def _well_formed_cell(self, cell: dict[str, Any], path: str) -> bool:
        """True when ``cell`` needs no repair (the common case, checked with few calls); lists of
        lines are joined on the way. False sends the cell down the full, reporting path."""
        src = cell.get("source")
        if type(src) is list and all(type(x) is str for x in src):
            cell["source"] = src = "".join(src)
        meta = cell.get("metadata")
        if type(src) is not str or type(meta) is not dict or type(cell.get("id", "")) is not str:
            return False
        ctype = cell.get("cell_type")
        if ctype == "code":
            count = cell.get("execution_count", -1)
            outputs = cell.get("outputs")
            if (
                not cell.keys() <= _CODE_KEYS
                or (count is not None and (type(count) is not int or count < 0))
                or type(outputs) is not list
                or not all(self._well_formed_output(o, path) for o in outputs)
            ):
                return False
        elif ctype not in ("markdown", "raw") or not cell.keys() <= _TEXT_KEYS:
            return False
        if meta:
            self.free(meta, path + ".metadata", 1)
            meta.pop("trusted", None)
        return True

    def _well_formed_output(self, out: Any, path: str) -> bool:
        if type(out) is not dict:
            return False
        otype = out.get("output_type")
        if otype == "stream":
            text = out.get("text")
            if type(text) is list and all(type(x) is str for x in text):
                out["text"] = text = "".join(text)
            return type(text) is str and type(out.get("name")) is str and out.keys() <= _STREAM_KEYS
        if otype == "display_data" or otype == "execute_result":
            data, meta = out.get("data"), out.get("metadata")
            if type(data) is not dict or type(meta) is not dict or not out.keys() <= _RICH_KEYS:
                return False
            if otype == "execute_result":
                count = out.get("execution_count")
                if count is not None and (type(count) is not int or count < 0):
                    return False
            for mime, value in data.items():
                if is_json_mime(mime):
                    if type(value) is dict or type(value) is list:
                        self.free(value, path, 2)
                elif type(value) is list and all(type(x) is str for x in value):
                    data[mime] = "".join(value)
                elif type(value) is not str:
                    return False
            if meta:
                self.free(meta, path, 2)
            return True
        if otype == "error":
            traceback = out.get("traceback")
            return (
                type(out.get("ename")) is str
                and type(out.get("evalue")) is str
                and type(traceback) is list
                and all(type(x) is str for x in traceback)
                and out.keys() <= _ERROR_KEYS
            )
        return False

    def count(self, value: Any, path: str) -> int | None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return value
        self.note(f"{path}: {_kind(value)}, not an execution count; shown as none")
        return None

    def attachments(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.note(f"{path}: {_kind(value)}, not an object of attachments; dropped")
            return {}
        out: dict[str, Any] = {}
        for name, bundle in value.items():
            if not isinstance(bundle, dict):
                self.note(f"{path}.{name}: {_kind(bundle)}, not a MIME bundle; dropped")
                continue
            out[self.text(name)] = self.bundle(bundle, f"{path}.{name}")
        return out

    def bundle(self, data: dict[str, Any], path: str) -> dict[str, Any]:
        """A MIME bundle: JSON types hold any JSON, text types hold text (lines joined; a list holding
    other things is shown as text); an object or number under a text type is kept as a value."""
        out: dict[str, Any] = {}
        for mime, value in data.items():
            where = f"{path}[{json.dumps(mime, ensure_ascii=False)}]"
            if is_json_mime(mime) or not isinstance(value, (str, list)):
                if not is_json_mime(mime):
                    self.note(f"{where}: {_kind(value)} where text belongs; compared as a value")
                out[self.text(mime)] = self.free(value, where, 1)  # JSON, or a value the engine compares as one
            else:
                out[self.text(mime)] = self.string(value, where)
        return out

    def output(self, out: Any, path: str) -> dict[str, Any]:
        if not isinstance(out, dict):
            self.note(f"{path}: {_kind(out)}, not an output; shown as its JSON text")
            return {"output_type": "display_data", "metadata": {}, "data": {"text/plain": self._json(out, path)}}
        otype = out.get("output_type")
        if otype not in OUTPUT_TYPES:
            shown = otype if isinstance(otype, str) else _kind(otype)
            self.note(f"{path}: unknown output_type {shown!r}; shown as its JSON text")
            return {"output_type": "display_data", "metadata": {}, "data": {"text/plain": self._json(out, path)}}
        for key in [k for k in out if k not in ("output_type", "name", "text", "data", "metadata", "execution_count",
                                                 "ename", "evalue", "traceback")]:
            self.free(out[key], f"{path}.{key}", 1)
        if otype == "stream":
            out["name"] = self.string(out.get("name", "stdout"), f"{path}.name", multiline=False)
            out["text"] = self.string(out.get("text", ""), f"{path}.text")
        elif otype == "error":
            out["ename"] = self.string(out.get("ename", ""), f"{path}.ename", multiline=False)
            out["evalue"] = self.string(out.get("evalue", ""), f"{path}.evalue", multiline=False)
            traceback = out.get("traceback", [])
            if not isinstance(traceback, list):
                self.note(f"{path}.traceback: {_kind(traceback)}, not a list of lines; shown as one line")
                traceback = [traceback]
            out["traceback"] = [self.string(line, f"{path}.traceback[{k}]", multiline=False)
                                for k, line in enumerate(traceback)]
        else:
            data = out.get("data", {})
            if not isinstance(data, dict):
                self.note(f"{path}.data: {_kind(data)}, not a MIME bundle; shown as its JSON text")
                data = {"text/plain": self._json(data, f"{path}.data")}
            out["data"] = self.bundle(data, f"{path}.data")
            out["metadata"] = self.obj(out.get("metadata", {}), f"{path}.metadata")
            if otype == "execute_result":
                out["execution_count"] = self.count(out.get("execution_count"), f"{path}.execution_count")
        return out


def repair(nb: dict[str, Any], label: str, surrogates: bool = True) -> list[str]:
    """Repair ``nb`` in place into nbformat 4's shape; returns the warnings (refuses with an error).

    ``surrogates=False`` skips the lone-surrogate scan (the caller knows the text has no such escape).
    """
    r = Repairer(label, surrogates)
    r.notebook(nb)
    return r.finish()
