"""Serialise notebooks the way nbformat writes them (split lines, sorted keys, indent 1)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

# Characters a terminal may act on that JSON leaves raw (C1 controls such as the 8-bit OSC U+009D,
# bidi overrides); JSON always escapes C0 itself.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

_SPLIT_MIMES = ("application/javascript", "image/svg+xml")


def _split_bundle(data: Any) -> None:
    if isinstance(data, dict):
        for key, value in list(data.items()):
            if isinstance(value, str) and (key.startswith("text/") or key in _SPLIT_MIMES):
                data[key] = value.splitlines(True)


def dumps_notebook(nb: dict[str, Any]) -> str:
    """JSON text of a notebook, byte-compatible with ``nbformat.writes`` for version 4."""
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
        for bundle in (cell.get("attachments") or {}).values():
            _split_bundle(bundle)
        if cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") in ("execute_result", "display_data"):
                    _split_bundle(out.get("data"))
                elif out.get("output_type") == "stream" and isinstance(out.get("text"), str):
                    out["text"] = out["text"].splitlines(True)
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def terminal_json(text: str) -> str:
    """JSON text for stdout: the same JSON value, with the characters a terminal may act on
    written as ``\\uXXXX`` escapes (they can only occur inside JSON strings)."""
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
