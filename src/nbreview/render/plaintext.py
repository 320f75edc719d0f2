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

from nbreview.engine.content import value_text as _text
from nbreview.render.terminal import _bytes, _size, clean, image_info

OUTPUT_LINES = 50


def _output_lines(k: int, out: Any) -> list[str]:
    if not isinstance(out, dict):
        return [f"#│ output {k}: (not an object)"]
    otype = str(out.get("output_type", "?"))
    if otype == "stream":
        head, text = f"stream {out.get('name', '')}".rstrip(), _text(out.get("text", ""))
    elif otype == "error":
        head, text = f"error {out.get('ename', '')}", "\n".join(str(t) for t in out.get("traceback") or [])
    else:
        head, text = otype, ""
        data = out.get("data") if isinstance(out.get("data"), dict) else {}
        assert isinstance(data, dict)
        lines = [f"#│ output {k}: {head}"]
        for mime, value in data.items():
            if "jupyter.widget" in mime:
                lines.append(f"#│ [{mime}]")  # its model id changes on every run
            elif mime.startswith("image/") and mime != "image/svg+xml":
                size, nbytes = image_info(value)
                digest = hashlib.sha1(_text(value).replace("\n", "").encode()).hexdigest()[:10]
                lines.append(f"#│ [{mime} {_size(size)}, {_bytes(nbytes)}, sha1 {digest}]")
            elif mime in ("text/plain", "text/markdown", "text/latex") or (
                mime == "application/json" or mime.endswith("+json")
            ):
                body = _text(value) if not isinstance(value, (dict, list)) or mime == "text/plain" else json.dumps(
                    value, indent=1, sort_keys=True
                )
                lines.append(f"#│ [{mime}]")
                lines += _body(body)
            else:
                digest = hashlib.sha1(_text(value).encode()).hexdigest()[:10]
                n = len(_text(value).splitlines())
                lines.append(f"#│ [{mime}, {n} line{'s' if n != 1 else ''}, sha1 {digest}]")
        return lines
    return [f"#│ output {k}: {head}"] + _body(text)


def _body(text: str) -> list[str]:
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
