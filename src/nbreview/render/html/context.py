"""What rendering one notebook's body needs besides its view: image links, lexer, caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from pygments.lexer import Lexer

    from nbreview.view import NotebookView


Side = Literal["old", "new"]
JSONDict = dict[str, Any]


class ImageLinks(Protocol):
    """How a page refers to the images of outputs (server URLs or inline data)."""

    def image(self, side: Side, cell: int, output: int, mime: str) -> str: ...

    def difference(self, old: tuple[int, int], new: tuple[int, int], mime: str) -> str: ...

    def attachment(self, side: Side, cell: int, name: str, mime: str) -> str: ...


MAX_QUIET_CELLS = 2_000  # unchanged cells included per notebook; beyond that they are counted in their fold,
# not rendered, so a notebook of 100,000 cells makes a page in seconds (and a browser can open it)


@dataclass
class RenderContext:
    """What rendering one notebook needs besides the view's cells, and what it remembers while rendering."""

    view: NotebookView
    links: ImageLinks
    lexer: Lexer
    prefix: str = ""
    md_cache: dict[tuple[str, int], str] = field(default_factory=dict)
    quiet_left: int = MAX_QUIET_CELLS  # unchanged cells this page may still include
