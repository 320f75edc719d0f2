"""Serialise notebooks the way nbformat writes them (split lines, sorted keys, indent 1)."""

from __future__ import annotations

import copy
import json
from typing import Any

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
