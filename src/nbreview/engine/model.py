"""The diff as data: typed, JSON-serialisable, versioned.

One model, many renderers: the terminal, HTML, markdown and JSON outputs and the
merge all read a :class:`NotebookDiff`; none of them re-aligns anything.

JSON form (``NotebookDiff.to_dict()``), version 2::

    {"format": "nbreview-diff", "version": 2,
     "old": {"label": ..., "problems": [...], "upgraded_from": "3.0"|null, "empty": bool},
     "new": {...},
     "options": {"ignore_outputs": true, ...},      # only options that are set
     "summary": {"added": n, "removed": n, "modified": n, "moved": n, ...},
     "notebook": {"fields": [change...], "metadata": [change...]},
     "cells": [cell...],
     "results": [number...], "signals": [signal...],          # version 2: results review
     "tables": [table...], "result_notes": [note...]}

A *cell* has ``status`` (unchanged | modified | added | removed), ``old_index`` and
``new_index`` (0-based, null on the side it is missing from), ``moved``, ``cell_type``,
``changed`` (aspects that differ), ``reexecuted`` and ``transient_only`` flags,
``source`` (a text diff, present when the source differs), ``outputs`` (output diffs,
present when outputs differ), ``metadata`` and ``fields`` (changes), and for added
cells the whole new ``cell``. Cells are listed in new-notebook order with removed
cells at their old place. A *text diff* is ``{"lines": [line...], "added": n, "removed": n}``
(plus ``"elided": n``, the changed lines not listed, when a huge output lists only its first changes)
where a line is ``{"op": "equal"|"delete"|"insert"|"replace", "old": line number,
"new": line number, "text" | "old_text"/"new_text", "old_spans"/"new_spans"}`` with
1-based line numbers, texts keeping their line endings and spans as ``[start, end)``
character ranges to emphasise (an ``equal`` line that only gained or lost its newline because
lines were appended or removed after it also has ``new_text``). A *change* is ``{"path": [...], "op":
"add"|"remove"|"replace", "old": v, "new": v, "transient": bool}``.

Version 2 (results review, see ``nbreview.results``) added four read-only lists that
``patch`` ignores (version 1 diffs still patch). A *number* is one changed number of an
output: ``{"cell": new cell index, "output": new output index, "label": "accuracy",
"old": 0.912, "new": 0.934, "delta": 0.022, "relative": 0.0241, "old_text": "0.912",
"new_text": "0.934", "source": "stdout" | "text/plain" | "text/html" | ..., "line": n}``;
a changed table cell adds ``"row"``, ``"column"`` (labels) and ``"table"`` (index into
``tables``), and keeps its text as ``old``/``new`` when it is not a number (``delta`` and
``relative`` are then null; ``relative`` is also null when ``old`` is 0). A *signal* is
``{"kind": "stale_output" | "out_of_order" | "new_error" | "new_warning" | "output_growth" |
"secret" | "kernel_changed", "cell": first new cell index or null (whole notebook), "cells": [every
new cell index it is true of], "detail": text}``, one per kind, only when the change introduced it.
A *table* is ``{"cell", "output", "source", "columns": [{"label", "status"}], "rows":
[{"label", "status": "changed"|"added"|"removed", "cells": [[old, new]...]}],
"unchanged_rows": n, "truncated": bool}``; a *note* ``{"cell", "output", "note"}`` names an
output whose results were not compared (it keeps its text diff).

``nbreview diff --json`` adds a read-only ``"view"`` that ``patch`` ignores: what every
renderer shows (``nbreview.view``): ``{"shown": [[old index, new index, status word]...],
"quiet": [[old index, new index]...], "results_changed": [[old index, new index]...],
"hidden_unchanged": n, "hidden_transient_cells": n, "hidden_transient_changes": n}``.
"""

from __future__ import annotations

from nbreview.engine.options import DiffOptions
from nbreview.records import dataclass, field, fields

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any, Literal

    from nbreview.results.model import Results

    Status = Literal["unchanged", "modified", "added", "removed"]
    Span = tuple[int, int]
    JSONDict = dict[str, Any]

FORMAT = "nbreview-diff"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # what ``patch`` reads: version 2 only added read-only results


class _Missing:
    """Marks a key absent on one side of a change (distinct from a JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(slots=True)
class ValueChange:
    """One added, removed or replaced value at a path inside a JSON object."""

    path: list[str | int]
    op: Literal["add", "remove", "replace"]
    old: Any = MISSING
    new: Any = MISSING
    transient: bool = False

    def to_dict(self) -> JSONDict:
        d: JSONDict = {"path": list(self.path), "op": self.op}
        if self.old is not MISSING:
            d["old"] = self.old
        if self.new is not MISSING:
            d["new"] = self.new
        d["transient"] = self.transient
        return d

    @classmethod
    def from_dict(cls, d: JSONDict) -> ValueChange:
        return cls(list(d["path"]), d["op"], d.get("old", MISSING), d.get("new", MISSING), bool(d.get("transient")))


@dataclass(slots=True)
class LineOp:
    """A line of a text diff; ``replace`` pairs an old and a new line for intraline emphasis."""

    op: Literal["equal", "delete", "insert", "replace"]
    old: int | None = None
    new: int | None = None
    old_text: str | None = None
    new_text: str | None = None
    old_spans: list[Span] = field(default_factory=list)
    new_spans: list[Span] = field(default_factory=list)

    def to_dict(self) -> JSONDict:
        d: JSONDict = {"op": self.op}
        if self.old is not None:
            d["old"] = self.old
        if self.new is not None:
            d["new"] = self.new
        if self.op == "equal":
            d["text"] = self.old_text
            if self.new_text != self.old_text:  # the old last line, continued: only its newline differs
                d["new_text"] = self.new_text
        elif self.op == "delete":
            d["text"] = self.old_text
            if self.old_spans:
                d["spans"] = [list(s) for s in self.old_spans]
        elif self.op == "insert":
            d["text"] = self.new_text
            if self.new_spans:
                d["spans"] = [list(s) for s in self.new_spans]
        else:
            d.update(
                old_text=self.old_text,
                new_text=self.new_text,
                old_spans=[list(s) for s in self.old_spans],
                new_spans=[list(s) for s in self.new_spans],
            )
        return d

    @classmethod
    def from_dict(cls, d: JSONDict) -> LineOp:
        op = d["op"]
        spans = [(int(a), int(b)) for a, b in d.get("spans", [])]
        if op == "equal":
            return cls(op, d.get("old"), d.get("new"), d["text"], d.get("new_text", d["text"]))
        if op == "delete":
            return cls(op, d.get("old"), None, d["text"], None, spans, [])
        if op == "insert":
            return cls(op, None, d.get("new"), None, d["text"], [], spans)
        return cls(
            op,
            d.get("old"),
            d.get("new"),
            d["old_text"],
            d["new_text"],
            [(int(a), int(b)) for a, b in d.get("old_spans", [])],
            [(int(a), int(b)) for a, b in d.get("new_spans", [])],
        )


@dataclass(slots=True)
class TextDiff:
    """A line diff of two texts with intraline spans; ``transient`` if it differs only in volatile bits.

    ``elided`` counts changed lines not listed in ``lines``: a huge output text is diffed with
    bounded work and lists only its first changes (its output diff carries the new value whole).
    """

    lines: list[LineOp]
    added: int = 0
    removed: int = 0
    transient: bool = False
    elided: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def new_text(self) -> str:
        return "".join(op.new_text or "" for op in self.lines if op.op != "delete")

    def old_text(self) -> str:
        return "".join(op.old_text or "" for op in self.lines if op.op != "insert")

    def to_dict(self) -> JSONDict:
        d: JSONDict = {"lines": [op.to_dict() for op in self.lines], "added": self.added, "removed": self.removed}
        if self.transient:
            d["transient"] = True
        if self.elided:
            d["elided"] = self.elided
        return d

    @classmethod
    def from_dict(cls, d: JSONDict) -> TextDiff:
        return cls(
            [LineOp.from_dict(x) for x in d["lines"]],
            d.get("added", 0),
            d.get("removed", 0),
            bool(d.get("transient")),
            int(d.get("elided", 0)),
        )


@dataclass(slots=True)
class ImageDiff:
    """Two images compared by decoded pixels."""

    old_size: tuple[int, int] | None
    new_size: tuple[int, int] | None
    pixels_equal: bool
    changed_fraction: float
    error: str | None = None

    def to_dict(self) -> JSONDict:
        return {
            "old_size": list(self.old_size) if self.old_size else None,
            "new_size": list(self.new_size) if self.new_size else None,
            "pixels_equal": self.pixels_equal,
            "changed_fraction": self.changed_fraction,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: JSONDict) -> ImageDiff:
        old_size, new_size = d.get("old_size"), d.get("new_size")
        return cls(
            (int(old_size[0]), int(old_size[1])) if old_size else None,
            (int(new_size[0]), int(new_size[1])) if new_size else None,
            bool(d["pixels_equal"]),
            float(d["changed_fraction"]),
            d.get("error"),
        )


@dataclass(slots=True)
class MimeDiff:
    """One MIME type of a rich output: text diffed as text, images by pixels, the rest by value."""

    mime: str
    status: Status
    kind: Literal["text", "image", "value"]
    text: TextDiff | None = None
    image: ImageDiff | None = None
    identical: bool = True
    transient: bool = False

    def to_dict(self) -> JSONDict:
        d: JSONDict = {
            "mime": self.mime,
            "status": self.status,
            "kind": self.kind,
            "identical": self.identical,
            "transient": self.transient,
        }
        if self.text is not None:
            d["text"] = self.text.to_dict()
        if self.image is not None:
            d["image"] = self.image.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: JSONDict) -> MimeDiff:
        return cls(
            d["mime"],
            d["status"],
            d["kind"],
            TextDiff.from_dict(d["text"]) if d.get("text") else None,
            ImageDiff.from_dict(d["image"]) if d.get("image") else None,
            bool(d.get("identical", True)),
            bool(d.get("transient")),
        )


@dataclass(slots=True)
class OutputDiff:
    """One output of a matched cell, aligned with its counterpart.

    ``value`` holds the new output whenever it is not byte-identical to the old one,
    so a diff can always be patched back, even when the change is only transient.
    """

    status: Status
    old_index: int | None
    new_index: int | None
    output_type: str
    mimes: list[MimeDiff] = field(default_factory=list)
    text: TextDiff | None = None
    fields: list[ValueChange] = field(default_factory=list)
    transient: bool = False
    value: JSONDict | None = None

    def to_dict(self) -> JSONDict:
        d: JSONDict = {
            "status": self.status,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "output_type": self.output_type,
            "transient": self.transient,
        }
        if self.mimes:
            d["mimes"] = [m.to_dict() for m in self.mimes]
        if self.text is not None:
            d["text"] = self.text.to_dict()
        if self.fields:
            d["fields"] = [c.to_dict() for c in self.fields]
        if self.value is not None:
            d["value"] = self.value
        return d

    @classmethod
    def from_dict(cls, d: JSONDict) -> OutputDiff:
        return cls(
            d["status"],
            d.get("old_index"),
            d.get("new_index"),
            d.get("output_type", ""),
            [MimeDiff.from_dict(m) for m in d.get("mimes", [])],
            TextDiff.from_dict(d["text"]) if d.get("text") else None,
            [ValueChange.from_dict(c) for c in d.get("fields", [])],
            bool(d.get("transient")),
            d.get("value"),
        )


@dataclass(slots=True)
class CellDiff:
    """One cell of either notebook, matched, added or removed."""

    status: Status
    old_index: int | None
    new_index: int | None
    cell_type: str
    moved: bool = False
    changed: list[str] = field(default_factory=list)
    source: TextDiff | None = None
    outputs: list[OutputDiff] | None = None
    metadata: list[ValueChange] = field(default_factory=list)
    fields: list[ValueChange] = field(default_factory=list)
    cell: JSONDict | None = None
    similarity: float | None = None

    @property
    def reexecuted(self) -> bool:
        """Source the same; only outputs, execution count or transient metadata differ."""
        if self.status != "modified" or not self.changed:
            return False
        return set(self.changed) <= {"outputs", "execution_count"} and not self.transient_only

    @property
    def transient_only(self) -> bool:
        """Every difference is transient (timestamps, volatile addresses, re-encoded images, added ids)."""
        if self.status != "modified":
            return False
        parts: list[bool] = [c.transient for c in self.metadata + self.fields]
        parts += [o.transient for o in self.outputs or [] if o.status != "unchanged" or o.transient]
        if self.source is not None and self.source.changed:
            parts.append(False)
        return bool(parts) and all(parts)

    def to_dict(self) -> JSONDict:
        d: JSONDict = {
            "status": self.status,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "cell_type": self.cell_type,
            "moved": self.moved,
            "changed": list(self.changed),
            "reexecuted": self.reexecuted,
            "transient_only": self.transient_only,
        }
        if self.similarity is not None:
            d["similarity"] = round(self.similarity, 4)
        if self.source is not None:
            d["source"] = self.source.to_dict()
        if self.outputs is not None:
            d["outputs"] = [o.to_dict() for o in self.outputs]
        if self.metadata:
            d["metadata"] = [c.to_dict() for c in self.metadata]
        if self.fields:
            d["fields"] = [c.to_dict() for c in self.fields]
        if self.cell is not None:
            d["cell"] = self.cell
        return d

    @classmethod
    def from_dict(cls, d: JSONDict) -> CellDiff:
        outs = d.get("outputs")
        return cls(
            d["status"],
            d.get("old_index"),
            d.get("new_index"),
            d.get("cell_type", "code"),
            bool(d.get("moved")),
            list(d.get("changed", [])),
            TextDiff.from_dict(d["source"]) if d.get("source") else None,
            [OutputDiff.from_dict(o) for o in outs] if outs is not None else None,
            [ValueChange.from_dict(c) for c in d.get("metadata", [])],
            [ValueChange.from_dict(c) for c in d.get("fields", [])],
            d.get("cell"),
            d.get("similarity"),
        )


@dataclass(slots=True)
class Side:
    """Where one side of the diff came from."""

    label: str
    problems: list[str] = field(default_factory=list)
    upgraded_from: str | None = None
    empty: bool = False

    def to_dict(self) -> JSONDict:
        return {
            "label": self.label,
            "problems": list(self.problems),
            "upgraded_from": self.upgraded_from,
            "empty": self.empty,
        }

    @classmethod
    def from_dict(cls, d: JSONDict) -> Side:
        return cls(d.get("label", ""), list(d.get("problems", [])), d.get("upgraded_from"), bool(d.get("empty")))


@dataclass(slots=True)
class Summary:
    """Counts a reviewer reads first; computed from the cells, never stored separately."""

    added: int = 0
    removed: int = 0
    modified: int = 0
    moved: int = 0
    unchanged: int = 0
    reexecuted: int = 0
    transient_only: int = 0
    outputs_changed: int = 0
    images_changed: int = 0
    metadata_changed: int = 0
    hidden_transient: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.modified or self.moved or self.metadata_changed)

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class NotebookDiff:
    """The whole difference between two notebooks. ``old_nb``/``new_nb`` are kept for renderers."""

    old: Side
    new: Side
    cells: list[CellDiff]
    metadata: list[ValueChange] = field(default_factory=list)
    fields: list[ValueChange] = field(default_factory=list)
    options: DiffOptions = field(default_factory=DiffOptions)
    old_nb: JSONDict | None = field(default=None, repr=False, compare=False)
    new_nb: JSONDict | None = field(default=None, repr=False, compare=False)
    # The results review, attached above the engine (nbreview.results.pipeline); None when not run.
    results: Results | None = field(default=None, repr=False, compare=False)

    def summary(self) -> Summary:
        s = Summary()
        for c in self.cells:
            if c.status == "added":
                s.added += 1
            elif c.status == "removed":
                s.removed += 1
            elif c.status == "unchanged":
                s.unchanged += 1
            elif c.transient_only:
                s.transient_only += 1
            elif c.reexecuted:
                s.reexecuted += 1
            else:
                s.modified += 1
            if c.moved:
                s.moved += 1
            if c.status == "modified" and not c.transient_only:
                changed_outs = [o for o in c.outputs or [] if o.status != "unchanged" and not o.transient]
                if changed_outs:
                    s.outputs_changed += 1
                s.images_changed += sum(
                    1 for o in changed_outs for m in o.mimes if m.kind == "image" and m.status != "unchanged"
                )
            s.hidden_transient += sum(1 for ch in c.metadata + c.fields if ch.transient)
        s.metadata_changed = sum(1 for ch in self.metadata + self.fields if not ch.transient)
        s.hidden_transient += sum(1 for ch in self.metadata + self.fields if ch.transient)
        return s

    @property
    def has_changes(self) -> bool:
        return any(c.status != "unchanged" or c.moved for c in self.cells) or bool(self.metadata or self.fields)

    def to_dict(self) -> JSONDict:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "options": self.options.to_dict(),
            "summary": self.summary().to_dict(),
            "notebook": {
                "fields": [c.to_dict() for c in self.fields],
                "metadata": [c.to_dict() for c in self.metadata],
            },
            "cells": [c.to_dict() for c in self.cells],
            "results": [n.to_dict() for n in self.results.numbers] if self.results else [],
            "signals": [s.to_dict() for s in self.results.signals] if self.results else [],
            "tables": [t.to_dict() for t in self.results.tables] if self.results else [],
            "result_notes": [n.to_dict() for n in self.results.notes] if self.results else [],
        }

    @classmethod
    def from_dict(cls, d: JSONDict) -> NotebookDiff:
        from nbreview.errors import PatchError

        if d.get("format") != FORMAT:
            raise PatchError('not an nbreview diff (expected "format": "nbreview-diff")')
        if d.get("version") not in READABLE_VERSIONS:
            raise PatchError(
                f"nbreview diff version {d.get('version')} is not supported (this nbreview reads "
                f"version {FORMAT_VERSION})"
            )
        nbpart = d.get("notebook", {})
        return cls(
            Side.from_dict(d.get("old", {})),
            Side.from_dict(d.get("new", {})),
            [CellDiff.from_dict(c) for c in d.get("cells", [])],
            [ValueChange.from_dict(c) for c in nbpart.get("metadata", [])],
            [ValueChange.from_dict(c) for c in nbpart.get("fields", [])],
            DiffOptions(**d.get("options", {})),
        )
