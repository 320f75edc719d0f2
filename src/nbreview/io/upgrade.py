"""nbformat 3 to 4 and back, the way ``nbformat.v4.convert`` does it, without importing nbformat.

Importing any part of nbformat imports its validator, and with it jsonschema's format
checkers (which compile dozens of grammars): seconds per process, which the git diff and
merge drivers would pay for every old notebook. The conversion itself is small and fixed
(nbformat's ``upgrade``/``downgrade`` minus their validation); ``tests/test_git_merge_format.py``
checks it against nbformat on real nbformat-3 files. Versions 1 and 2 still go through nbformat.
"""

from __future__ import annotations

import json
from typing import Any

Notebook = dict[str, Any]

# v3 output keys -> v4 MIME types (nbformat.v4.convert._mime_map)
MIME_MAP = {
    "text": "text/plain", "html": "text/html", "svg": "image/svg+xml", "png": "image/png", "jpeg": "image/jpeg",
    "latex": "text/latex", "json": "application/json", "javascript": "application/javascript",
}
_ALIAS = {mime: alias for alias, mime in MIME_MAP.items()}
_MULTILINE_OUTPUTS = ("text", "html", "svg", "latex", "javascript", "json")


def _join(lines: Any) -> Any:
    """nbformat's ``_join_lines``: lists written by ``splitlines(True)`` or by ``splitlines()``."""
    if not isinstance(lines, list):
        return lines
    if lines and isinstance(lines[0], str) and lines[0].endswith(("\n", "\r")):
        return "".join(map(str, lines))
    return "\n".join(map(str, lines))


def _mime_keys(d: dict[str, Any]) -> dict[str, Any]:
    for alias, mime in MIME_MAP.items():
        if alias in d:
            d[mime] = d.pop(alias)
    return d


def _upgrade_output(out: dict[str, Any]) -> dict[str, Any]:
    kind = out.get("output_type")
    if kind in ("pyout", "display_data"):
        if not isinstance(out.get("metadata"), dict):
            out["metadata"] = {}
        if kind == "pyout":
            out["output_type"] = "execute_result"
            out["execution_count"] = out.pop("prompt_number", None)
        data = {key: out.pop(key) for key in list(out) if key not in ("output_type", "execution_count", "metadata")}
        for key in _MULTILINE_OUTPUTS:
            if key in data:
                data[key] = _join(data[key])
        out["data"] = _mime_keys(data)
        _mime_keys(out["metadata"])
        if isinstance(data.get("application/json"), str):
            try:
                data["application/json"] = json.loads(data["application/json"])
            except ValueError:
                raise ValueError("an output's 'json' value is not valid JSON") from None
    elif kind == "pyerr":
        out["output_type"] = "error"
    elif kind == "stream":
        out["name"] = out.pop("stream", "stdout")
        if "text" in out:
            out["text"] = _join(out["text"])
    return out


def _upgrade_cell(cell: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(cell.get("metadata"), dict):
        cell["metadata"] = {}
    kind = cell.get("cell_type")
    if kind == "code":
        cell.pop("language", None)
        if "collapsed" in cell:
            cell["metadata"]["collapsed"] = cell.pop("collapsed")
        cell["source"] = _join(cell.pop("input", ""))
        cell["execution_count"] = cell.pop("prompt_number", None)
        cell["outputs"] = [_upgrade_output(o) if isinstance(o, dict) else o for o in cell.get("outputs") or []]
    else:
        for key in ("source", "rendered"):
            if key in cell:
                cell[key] = _join(cell[key])
        if kind == "heading":
            cell["cell_type"] = "markdown"
            level = cell.pop("level", 1)
            source = cell.get("source", "")
            text = " ".join(source.splitlines()) if isinstance(source, str) else source
            cell["source"] = f"{'#' * (level if isinstance(level, int) else 1)} {text}"
        elif kind == "html":
            cell["cell_type"] = "markdown"
    cell.get("metadata", {}).pop("trusted", None)
    cell.pop("trusted", None)
    return cell


def upgrade_v3(nb: Notebook) -> Notebook:
    """A parsed nbformat-3 notebook as nbformat 4.4, in place (cells without ids, as nbreview reads v4.4).

    Raises ``ValueError`` with a one-line reason when the notebook lacks what v3 requires.
    """
    worksheets = nb.pop("worksheets", [])
    if not isinstance(worksheets, list) or not all(isinstance(ws, dict) for ws in worksheets):
        raise ValueError("'worksheets' is not a list of objects")
    metadata = nb.get("metadata")
    if not isinstance(metadata, dict):
        metadata = nb["metadata"] = {}
    metadata["orig_nbformat"] = nb.pop("orig_nbformat", None) or 3
    metadata["orig_nbformat_minor"] = nb.pop("orig_nbformat_minor", None) or 0
    metadata.pop("name", None)
    metadata.pop("signature", None)
    cells = []
    for ws in worksheets:
        ws_cells = ws.get("cells", [])
        if not isinstance(ws_cells, list) or not all(isinstance(c, dict) for c in ws_cells):
            raise ValueError("a worksheet's 'cells' is not a list of objects")
        cells += [_upgrade_cell(cell) for cell in ws_cells]
    nb["cells"] = cells
    nb["nbformat"] = 4
    nb["nbformat_minor"] = 4
    return nb


def _downgrade_output(out: dict[str, Any]) -> dict[str, Any]:
    out = dict(out)
    kind = out.get("output_type")
    if kind in ("execute_result", "display_data"):
        if kind == "execute_result":
            out["output_type"] = "pyout"
            out["prompt_number"] = out.pop("execution_count", None)
        data = dict(out.pop("data", {}))
        if "application/json" in data:
            data["application/json"] = json.dumps(data["application/json"])
        out.update({_ALIAS[mime]: value for mime, value in data.items()})
    elif kind == "error":
        out["output_type"] = "pyerr"
    elif kind == "stream":
        out["stream"] = out.pop("name", "stdout")
    return out


def v3_expressible(nb: Notebook) -> bool:
    """Whether nbformat 3 can hold ``nb`` without loss: no attachments, only MIME types v3 names."""
    for cell in nb.get("cells", []):
        if cell.get("attachments"):
            return False
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if any(mime not in _ALIAS for mime in out.get("data", {})):
                return False
    return True


def downgrade_cell(cell: dict[str, Any], language: str = "python") -> dict[str, Any]:
    """One nbformat-4 cell as nbformat 3 (nbformat's ``downgrade_cell``, on a copy)."""
    cell = {k: v for k, v in cell.items() if k not in ("id", "attachments")}
    cell["metadata"] = dict(cell.get("metadata", {}))
    if cell.get("cell_type") == "code":
        cell["language"] = language
        cell["input"] = cell.pop("source", "")
        cell["prompt_number"] = cell.pop("execution_count", None)
        cell["collapsed"] = cell["metadata"].pop("collapsed", False)
        cell["outputs"] = [_downgrade_output(o) for o in cell.get("outputs", [])]
    elif cell.get("cell_type") == "markdown":
        source = cell.get("source", "")
        if "\n" not in source and source.startswith("#"):
            level = len(source) - len(source.lstrip("#"))
            cell.update(cell_type="heading", source=source[level:].lstrip(), level=level)
    return cell
