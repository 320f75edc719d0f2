"""A notebook as plain, stable text (``git log -p`` / ``git show`` via git's textconv).

git runs textconv on each side and line-diffs the results, so this form is built to diff
well: py:percent cell markers (``# %%``, ``# %% [markdown]``) that git's hunk headers
quote, sources verbatim, outputs as ``#│``-prefixed lines, images as one line with
size and a short hash, and no execution counts (a re-run would touch every cell).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from nbreview.render.terminal import byte_size, clean, image_info, size_text
from nbreview.render.terminal.outputs import output_label
from nbreview.view import output_text
from nbreview.view import value_text as _text

OUTPUT_LINES = 50


def _output_lines(k: int, out: Any) -> list[str]:
    """One output as ``#│`` lines: a header, then its text, or a line (or more) per MIME type."""
    if not isinstance(out, dict):
        return [f"#│ output {k}: (not an object)"]
    lines = [f"#│ output {k}: {output_label(out, '?')}"]
    if out.get("output_type") in ("stream", "error"):
        return lines + _body(output_text(out))
    data = out.get("data")
    for mime, value in data.items() if isinstance(data, dict) else []:
        lines += _mime_lines(mime, value)
    return lines


def _mime_lines(mime: str, value: Any) -> list[str]:
    """One representation of a rich output: text in full, images and the rest by size and hash."""
    if "jupyter.widget" in mime:
        return [f"#│ [{mime}]"]  # its model id changes on every run
    if mime.startswith("image/") and mime != "image/svg+xml":
        size, nbytes = image_info(value)
        digest = hashlib.sha1(_text(value).replace("\n", "").encode()).hexdigest()[:10]
        return [f"#│ [{mime} {size_text(size)}, {byte_size(nbytes)}, sha1 {digest}]"]
    if mime in ("text/plain", "text/markdown", "text/latex") or mime == "application/json" or mime.endswith("+json"):
        structured = isinstance(value, (dict, list)) and mime != "text/plain"
        body = json.dumps(value, indent=1, sort_keys=True) if structured else _text(value)
        return [f"#│ [{mime}]"] + _body(body)
    digest = hashlib.sha1(_text(value).encode()).hexdigest()[:10]
    n = len(_text(value).splitlines())
    return [f"#│ [{mime}, {n} line{'s' if n != 1 else ''}, sha1 {digest}]"]


def _body(text: str) -> list[str]:
    """Text as ``#│`` lines, escaped, cut at :data:`OUTPUT_LINES`."""
    lines = clean(text).splitlines()
    shown = [f"#│ {line}".rstrip() for line in lines[:OUTPUT_LINES]]
    if len(lines) > OUTPUT_LINES:
        shown.append(f"#│ … {len(lines) - OUTPUT_LINES} more lines")
    return shown


def notebook_text(nb: dict[str, Any]) -> str:
    """The whole notebook as py:percent-style text."""
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    kernel = (meta.get("kernelspec") or {}).get("name", "") if isinstance(meta.get("kernelspec"), dict) else ""
    out = [f"# nbformat {nb.get('nbformat')}.{nb.get('nbformat_minor')}" + (f" · kernel {kernel}" if kernel else "")]
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        ctype = cell.get("cell_type", "code")
        marker = "# %%" if ctype == "code" else f"# %% [{ctype}]"
        tags = (cell.get("metadata") or {}).get("tags") if isinstance(cell.get("metadata"), dict) else None
        if tags:
            marker += f" tags={json.dumps(tags)}"
        out.append("")
        out.append(marker)
        out += clean(_text(cell.get("source", ""))).splitlines()
        for k, o in enumerate(cell.get("outputs") or []):
            out += _output_lines(k, o)
    return clean("\n".join(out)) + "\n"  # kernelspec, tags, MIME keys: nothing reaches git's pager raw
