"""Terminal renderer: ``git diff`` with delta's manners, over the diff model.

A header per changed cell (``cell [12] → [14] · code · modified · moved``), source hunks
with context, ``-``/``+`` lines on a tinted background with the changed words emphasised,
syntax colours from pygments for the notebook's language, outputs summarised where text
would be noise (images by size and share of pixels changed, long streams as hunks), compact
metadata changes, and one closing line saying what the defaults hid. Colours are SGR
sequences only (``less -R`` shows them); lines are padded, never cleared with ``ESC[K``.
Notebook text is untrusted: control characters are shown escaped, never sent raw.

This package only re-exports. Its modules, leaf first: ``style`` (colours, options, escaping),
``lexers`` and ``syntax`` (colours of code), ``text`` (text diffs), ``images``, ``values``
(field changes), ``outputs``, ``cells``, ``notebook`` (the whole diff, :class:`TerminalRenderer`),
``stat`` (``--stat``) and ``results`` (the Results section).
"""

from __future__ import annotations

from nbreview.render.terminal.cells import cell_header, render_cell
from nbreview.render.terminal.notebook import TerminalRenderer, iter_render, render
from nbreview.render.terminal.style import (
    BLUE,
    BOLD,
    CYAN,
    DIM,
    GREEN,
    MAGENTA,
    RED,
    RESET,
    YELLOW,
    TerminalStyle,
    clean,
    log_line,
    terminal_line,
    terminal_safe,
    theme_from_env,
)
from nbreview.render.terminal.syntax import highlight_lines
from nbreview.render.terminal.text import render_text_diff
from nbreview.view import notebook_language
from nbreview.view.images import byte_size, image_info, size_text

__all__ = [
    "BLUE", "BOLD", "CYAN", "DIM", "GREEN", "MAGENTA", "RED", "RESET", "YELLOW",
    "TerminalStyle", "clean", "log_line", "terminal_line", "terminal_safe", "theme_from_env",
    "highlight_lines", "notebook_language", "render_text_diff",
    "byte_size", "image_info", "size_text",
    "cell_header", "render_cell",
    "TerminalRenderer", "iter_render", "render",
    "StatRow", "render_stat",
]

TYPE_CHECKING = False  # not typing's: a git diff driver imports this package, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.render.terminal.stat import StatRow, render_stat


def __getattr__(name: str) -> object:
    """``--stat``'s renderer on first use: a git diff driver never draws one."""
    if name in ("StatRow", "render_stat"):
        from nbreview.render.terminal import stat

        value = getattr(stat, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
