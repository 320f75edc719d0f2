"""What rendering one notebook's body needs besides the diff: image links, lexer, caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from nbreview.view import cell_at

if TYPE_CHECKING:
    from pygments.lexer import Lexer

    from nbreview.engine.model import NotebookDiff


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
    """What rendering one notebook needs besides the model, and what it remembers while rendering."""

    diff: NotebookDiff
    links: ImageLinks
    lexer: Lexer
    prefix: str = ""
    md_cache: dict[tuple[str, int], str] = field(default_factory=dict)
    quiet_left: int = MAX_QUIET_CELLS  # unchanged cells this page may still include

    def notebook(self, side: Side) -> JSONDict:
        """One side's notebook (an empty one when that side has none)."""
        nb = self.diff.old_nb if side == "old" else self.diff.new_nb
        return nb if isinstance(nb, dict) else {"cells": []}

    def cell(self, side: Side, index: int | None) -> JSONDict:
        """One side's cell at ``index``, or ``{}`` when there is none."""
        return cell_at(self.notebook(side), index)
