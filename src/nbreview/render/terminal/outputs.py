"""A cell's outputs in the terminal: one header line each, and the diff of the text that reads best.

Added and removed outputs are summarised (lines, image sizes) with the first lines of their
text; changed ones list what changed per MIME type and show one text diff (text/plain first),
since printing every representation of the same value would be noise.
"""

from __future__ import annotations

from nbreview.render.terminal.images import image_change
from nbreview.render.terminal.style import GREEN, RED, YELLOW, TerminalStyle
from nbreview.render.terminal.text import render_text_diff, whole_lines
from nbreview.render.terminal.values import change_text
from nbreview.view import OutputView, is_raster, output_text, value_text
from nbreview.view.images import byte_size, image_info, size_text

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    from nbreview.engine.model import MimeDiff


def output_label(out: dict[str, Any], fallback_type: str = "") -> str:
    """``stream stdout`` / ``error KeyError`` / ``display_data``: what kind of output this is."""
    otype = str(out.get("output_type") or fallback_type or "output")
    if otype == "stream":
        return f"stream {out.get('name', '')}".rstrip()
    if otype == "error":
        return f"error {out.get('ename', '')}".rstrip()
    return otype


def summarise_whole_output(out: dict[str, Any]) -> str:
    """One line for an output shown whole (added cell, added or removed output)."""
    otype = out.get("output_type")
    if otype in ("stream", "error"):
        text = output_text(out)
        n = len(text.splitlines())
        return f"{n} line{'s' if n != 1 else ''}"
    data = out.get("data")
    if not isinstance(data, dict):
        return ""
    bits = []
    for mime, value in data.items():
        if is_raster(mime):
            size, nbytes = image_info(value)
            bits.append(f"{mime} {size_text(size)}, {byte_size(nbytes)}")
        else:
            n = len(value_text(value).splitlines())
            bits.append(f"{mime} ({n} line{'s' if n != 1 else ''})")
    return ", ".join(bits)


def render_output(output: OutputView, st: TerminalStyle, indent: str) -> list[str]:
    """One output's header line (what changed) and, for text, its diff or first lines."""
    o, shown = output.diff, output.shown
    head = f"output {output.index} · {output_label(shown, o.output_type)}"
    if o.status in ("added", "removed"):
        sign, colour = ("+", GREEN) if o.status == "added" else ("-", RED)
        summary = summarise_whole_output(shown)
        out = [indent + st.paint(colour, f"{head} · {o.status}" + (f" · {summary}" if summary else ""))]
        text = output_text(shown)
        if text.strip() and not output.has_picture:
            out += whole_lines(text, sign, st, indent + "  ", "", min(st.output_lines, 10))
        return out
    parts, lines = _changed_parts(output, st, indent + "  ")
    status = "transient" if o.transient else "changed"
    return [indent + st.paint(YELLOW, f"{head} · {status}" + (": " + ", ".join(parts) if parts else ""))] + lines


def _changed_parts(output: OutputView, st: TerminalStyle, indent: str) -> tuple[list[str], list[str]]:
    """What changed in a changed output, as header words (the parts the view lists), and the one
    text diff shown under it (the view's best text change)."""
    o = output.diff
    parts: list[str] = []
    if o.text is not None and o.text.changed:
        parts.append(f"+{o.text.added} −{o.text.removed} lines")
    for part in output.parts:
        if not part.drawn(st.show_transient):
            continue
        m = part.diff
        if m.image is not None:
            parts.append(image_change(m.mime, m.image))
        elif m.status in ("added", "removed"):
            parts.append(_whole_mime(m, output.new if m.status == "added" else output.old))
        elif m.text is not None:
            parts.append(f"{m.mime} +{m.text.added} −{m.text.removed} lines")
        else:
            parts.append(f"{m.mime} changed")
    parts += [change_text(ch) for ch in o.fields if st.show_transient or not ch.transient]
    best = output.best_text(st.show_transient)
    lines = render_text_diff(best[1], st, indent, limit=st.output_lines) if best else []
    return parts, lines


def _whole_mime(m: MimeDiff, out: dict[str, Any]) -> str:
    """``image/png added (240×160, 3.1 KB)`` / ``text/html removed``."""
    if m.kind != "image":
        return f"{m.mime} {m.status}"
    size, nbytes = image_info((out.get("data") or {}).get(m.mime))
    return f"{m.mime} {m.status} ({size_text(size)}, {byte_size(nbytes)})"
