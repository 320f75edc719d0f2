"""The renderer protocol's type: any object with ``render(view) -> str`` (see :mod:`nbreview.render.protocol`).

A module of its own because :class:`typing.Protocol` imports :mod:`typing`, which the terminal
renderer's path (a ``git diff`` driver per notebook) does without.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from nbreview.view import NotebookView


@runtime_checkable
class Renderer(Protocol):
    """Draws one notebook's view as text (terminal lines, an HTML body, a markdown section, JSON)."""

    def render(self, view: NotebookView) -> str: ...
