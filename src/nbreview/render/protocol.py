"""The renderer protocol: every renderer draws the same :class:`~nbreview.view.NotebookView`.

A renderer is an object built with its own options (a terminal style, the page's image links,
the comment's detail level, ...) whose ``render(view)`` returns the text it prints. The view has
already decided what is shown; a renderer only draws it. A new renderer (say a GitLab note) is a
new module with a class like these and one line in :data:`RENDERERS`.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from nbreview.render.renderer import Renderer
    from nbreview.view import NotebookView
else:

    def __getattr__(name: str) -> object:
        """``Renderer``, the protocol's class (in :mod:`nbreview.render.renderer`, which imports typing)."""
        if name == "Renderer":
            from nbreview.render.renderer import Renderer

            return Renderer
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Name -> "module:class". Modules are imported only when a renderer is asked for, so naming them
# here costs the CLI's start-up nothing.
RENDERERS: dict[str, str] = {
    "terminal": "nbreview.render.terminal:TerminalRenderer",
    "html": "nbreview.render.html:HtmlRenderer",
    "markdown": "nbreview.render.markdown:MarkdownRenderer",
    "json": "nbreview.render.json:JsonRenderer",
}


def renderer_class(name: str) -> type[Renderer]:
    """The class registered as ``name``; a ValueError naming the known ones otherwise."""
    try:
        module, _, attr = RENDERERS[name].partition(":")
    except KeyError:
        raise ValueError(f"no renderer named {name!r} (known: {', '.join(sorted(RENDERERS))})") from None
    __import__(module)  # not importlib.import_module: importlib (with warnings) costs a git diff driver ~1%
    cls: type[Renderer] = getattr(sys.modules[module], attr)
    return cls


def renderer(name: str, /, *args: Any, **options: Any) -> Renderer:
    """A renderer by name, built with its own options: ``renderer("terminal", TerminalStyle())``."""
    return renderer_class(name)(*args, **options)


def draw(name: str, view: NotebookView, /, *args: Any, **options: Any) -> str:
    """The view drawn by the renderer registered as ``name`` (built with ``args`` and ``options``).

    Every surface goes through here: the CLI's terminal text and ``--json``, the review page and
    the HTML report, the PR comment's notebook sections."""
    return renderer(name, *args, **options).render(view)


def draw_lines(name: str, view: NotebookView, /, *args: Any, **options: Any) -> Iterator[str]:
    """The view drawn line by line, for a pager that shows the first screen at once: a renderer
    with a ``lines(view)`` method streams them, any other gives its text's lines."""
    drawer = renderer(name, *args, **options)
    lines = getattr(drawer, "lines", None)
    if callable(lines):
        drawn: Iterator[str] = lines(view)
        yield from drawn
    else:
        yield from drawer.render(view).splitlines()
