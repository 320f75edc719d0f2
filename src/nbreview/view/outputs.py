"""One output of a changed cell as a reviewer is shown it, decided once for every renderer.

An :class:`OutputView` says whether the output is listed (shown / quiet / hidden), which entry of
its MIME bundle a page draws (:func:`choose_mime`: pictures first), which MIME types changed and
which of those are worth naming (:class:`PartView`), the text change a full view draws under it
(``best_text``: the terminal, the page) and those a brief shows (``texts``: the comment), its
image pairs with their verdicts, and the diffed tables of the results review that belong to it. Renderers draw these;
none of them picks a MIME type or a text form on its own.
"""

from __future__ import annotations

from nbreview.engine.content import IMAGE_MIMES, TEXT_MIME_ORDER, is_image
from nbreview.records import dataclass, field
from nbreview.view.images import ImagePair, image_pair

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any, Literal

    from nbreview.engine.model import MimeDiff, OutputDiff, TextDiff
    from nbreview.results.model import TableDiff

    Visibility = Literal["shown", "quiet", "hidden"]

# Which representation of a rich output a page draws, best first: pictures (IMAGE_MIMES), then text.
MIME_ORDER = IMAGE_MIMES + ("text/html", "text/markdown", "text/latex", "application/json", "text/plain")

# Text representations whose change a page shows as a line diff of the representation itself.
TEXT_DIFF_MIMES = ("text/plain", "application/json")


def choose_mime(data: dict[str, Any]) -> str | None:
    """The entry of a MIME bundle a page draws (:data:`MIME_ORDER`, else the first one)."""
    for mime in MIME_ORDER:
        if mime in data:
            return mime
    return next(iter(data), None)


def output_visibility(o: OutputDiff) -> Visibility:
    """Shown: a real change; quiet: only transient changes (drawn when a reader asks for them,
    ``--show-transient``); hidden: unchanged. Every renderer that lists changed outputs asks this."""
    if o.transient:
        return "quiet"
    return "hidden" if o.status == "unchanged" else "shown"


def part_visibility(m: MimeDiff) -> Visibility:
    """One MIME type of an output: hidden when byte-identical, quiet when only its volatile parts
    changed (or it is marked transient), else shown."""
    if m.status == "unchanged":
        return "hidden" if m.identical else "quiet"
    return "quiet" if m.transient else "shown"


@dataclass(frozen=True, slots=True)
class PartView:
    """One MIME type of a changed output as listed: its diff and its visibility (:func:`part_visibility`)."""

    diff: MimeDiff
    visibility: Visibility

    def drawn(self, show_transient: bool = False) -> bool:
        """Named among the output's changes (quiet ones only when transient changes are shown)."""
        return self.visibility == "shown" or (self.visibility == "quiet" and show_transient)


def _text_rank(mime: str) -> int:
    return TEXT_MIME_ORDER.index(mime) if mime in TEXT_MIME_ORDER else len(TEXT_MIME_ORDER)


@dataclass(slots=True)
class OutputView:
    """One output of a changed cell as shown: its diff, its visibility (:func:`output_visibility`),
    the output on each side as the notebooks hold it (``{}`` on a side it is not on), the cell's
    (old, new) index, and the results review's tables diffed from it."""

    diff: OutputDiff
    visibility: Visibility
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    cell: tuple[int | None, int | None] = (None, None)
    tables: list[TableDiff] = field(default_factory=list)

    def drawn(self, show_transient: bool = False) -> bool:
        """Listed among the cell's changed outputs (quiet ones only when transient changes are shown)."""
        return self.visibility == "shown" or (self.visibility == "quiet" and show_transient)

    @property
    def shown(self) -> dict[str, Any]:
        """The output a reader sees: the new side, else the old."""
        return self.new or self.old

    @property
    def index(self) -> int | None:
        """The output's number as headers print it: its new index, else its old."""
        o = self.diff
        return o.new_index if o.new_index is not None else o.old_index

    @property
    def parts(self) -> list[PartView]:
        """Each MIME type of the output with its visibility, in the bundle's order."""
        return [PartView(m, part_visibility(m)) for m in self.diff.mimes]

    @property
    def shown_mime(self) -> str | None:
        """The bundle entry a page draws for this output (:func:`choose_mime` of the side shown)."""
        data = self.shown.get("data")
        return choose_mime(data) if isinstance(data, dict) else None

    def part(self, mime: str | None) -> MimeDiff | None:
        """The diff of one MIME type of the output (None when it has none)."""
        return next((m for m in self.diff.mimes if m.mime == mime), None)

    def texts(self, show_transient: bool = False) -> list[tuple[str, TextDiff]]:
        """The text changes a brief shows (the comment), best first, as (MIME type or output type, diff).

        A stream's or an error's text, then the changed text forms of a rich output in reading
        order (:data:`~nbreview.engine.content.TEXT_MIME_ORDER`): ``text/plain`` alone when the output
        has it (markup says the same, as raw ``<td>`` lines). Whole when the output came or went."""
        o = self.diff
        whole = o.status in ("added", "removed")
        out: list[tuple[str, TextDiff]] = []
        if o.text is not None and (o.text.changed or whole):
            out.append((o.output_type, o.text))
        forms = [m for m in o.mimes if m.kind == "text" and m.text is not None]
        if any(m.mime == "text/plain" for m in forms):
            forms = [m for m in forms if m.mime == "text/plain"]
        for m in sorted(forms, key=lambda m: _text_rank(m.mime)):
            if m.text is not None and (m.text.changed or whole) and (show_transient or not m.transient):
                out.append((m.mime, m.text))
        return out

    def best_text(self, show_transient: bool = False) -> tuple[str, TextDiff] | None:
        """The one text change a full view draws under the output (the terminal, the page when the
        drawn entry did not change): a stream's or an error's text, else the changed text form that
        reads best (:data:`~nbreview.engine.content.TEXT_MIME_ORDER`, then any other, a widget's
        JSON say). :meth:`texts` is the brief's choice, which leaves markup out."""
        o = self.diff
        if o.text is not None and o.text.changed:
            return (o.output_type, o.text)
        changed = [
            m for m in o.mimes
            if m.text is not None and m.text.changed and m.image is None and (show_transient or not m.transient)
        ]
        best = min(changed, key=lambda m: _text_rank(m.mime), default=None)
        return (best.mime, best.text) if best is not None and best.text is not None else None

    @property
    def has_picture(self) -> bool:
        """The output holds a picture compared by pixels (its text is then a caption, not the result)."""
        return any(m.kind == "image" for m in self.diff.mimes)

    @property
    def images(self) -> list[ImagePair]:
        """Every picture of the output that changed, came or went, with its verdict, in the bundle's order."""
        o = self.diff
        return [
            image_pair(self.cell, o, m, self.old, self.new)
            for m in o.mimes
            if is_image(m.mime) and not (m.status == "unchanged" and m.identical)
        ]

    def image(self, mime: str) -> ImagePair | None:
        """The pair of one picture type of the output (None when that picture did not change)."""
        return next((p for p in self.images if p.mime == mime), None)
