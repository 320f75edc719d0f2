"""What one review server holds: the notebooks it was started for and where their images are served.

:class:`ReviewSet` diffs the notebooks once and renders each page body once; :class:`ServerLinks`
gives the HTML renderer this server's image URLs. The app keeps them in
``app.extensions["nbreview"]`` (with the page's :class:`~nbreview.web.lifecycle.Lifecycle`,
the secret ``base`` prefix and the settings); :func:`review_state` reads it inside a request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from flask import abort, current_app

from nbreview.render.html import FileEntry, Side, file_note
from nbreview.render.protocol import draw
from nbreview.view import build as build_view

if TYPE_CHECKING:
    from nbreview.engine.model import NotebookDiff
    from nbreview.engine.options import DiffOptions
    from nbreview.io.load import LoadedNotebook
    from nbreview.view import NotebookView


class PairLike(Protocol):
    """One notebook to review: ``nbreview.io.git.NotebookPair`` or anything shaped like it."""

    @property
    def path(self) -> str: ...

    @property
    def old(self) -> LoadedNotebook: ...

    @property
    def new(self) -> LoadedNotebook: ...


class ReviewSet:
    """The notebooks this server was started for, diffed once, pages rendered once."""

    def __init__(self, sources: Sequence[PairLike], options: DiffOptions | None, base: str = "") -> None:
        self.sources = list(sources)
        self.options = options
        self.base = base  # the secret path prefix every URL starts with
        self._diffs: list[NotebookDiff] | None = None
        self._views: list[NotebookView] | None = None
        self._bodies: dict[int, str] = {}
        self._lock = threading.Lock()

    def diffs(self) -> list[NotebookDiff]:
        with self._lock:
            if self._diffs is None:
                from nbreview.results.pipeline import diff

                self._diffs = [diff(s.old, s.new, options=self.options) for s in self.sources]
            return self._diffs

    def diff_or_404(self, index: int) -> NotebookDiff:
        """The diff of notebook ``index``, or abort with 404 (route numbers come from the URL)."""
        diffs = self.diffs()
        if not 0 <= index < len(diffs):
            abort(404, "no such notebook")
        return diffs[index]

    def views(self) -> list[NotebookView]:
        """What a reviewer is shown of each notebook (:func:`nbreview.view.build`), decided once."""
        diffs = self.diffs()
        with self._lock:
            if self._views is None:
                self._views = [build_view(d) for d in diffs]
            return self._views

    def entries(self) -> list[FileEntry]:
        views = self.views()
        return [
            FileEntry(str(s.path), views[i], f"{self.base}/f/{i}", f"f{i}", file_note(str(getattr(s, "status", ""))))
            for i, s in enumerate(self.sources)
        ]

    def body(self, index: int) -> str:
        if index not in self._bodies:
            self._bodies[index] = draw("html", self.views()[index], ServerLinks(index, self.base))
        return self._bodies[index]

    def page(self, index: int, static_url: Callable[[str], str], *, difftool: bool = False,
             scripts: Sequence[str] = ()) -> str:
        """Notebook ``index``'s whole page, its assets at ``static_url(name)``: for any server that hosts it."""
        from nbreview.render.html import render_page

        return render_page(self.entries(), [(index, self.body(index))], mode="server", current=index,
                           difftool=difftool, static_url=static_url, scripts=scripts)


@dataclass
class ServerLinks:
    """Image URLs served by this app (loaded lazily by the browser), under the secret prefix ``base``."""

    file: int
    base: str = ""

    def image(self, side: Side, cell: int, output: int, mime: str) -> str:
        return f"{self.base}/f/{self.file}/img/{side}/{cell}/{output}/{mime}"

    def difference(self, old: tuple[int, int], new: tuple[int, int], mime: str) -> str:
        return f"{self.base}/f/{self.file}/imgdiff/{old[0]}/{old[1]}/{new[0]}/{new[1]}/{mime}"

    def attachment(self, side: Side, cell: int, name: str, mime: str) -> str:
        from urllib.parse import quote

        return f"{self.base}/f/{self.file}/att/{side}/{cell}/{mime}/{quote(name, safe='')}"


def review_state() -> dict[str, Any]:
    """The running app's state: ``review``, ``lifecycle``, ``base``, ``difftool``, ``pr_session``, ``write_lock``."""
    state: dict[str, Any] = current_app.extensions["nbreview"]
    return state


def current_review() -> ReviewSet:
    """The notebooks of the app serving this request."""
    review: ReviewSet = review_state()["review"]
    return review
