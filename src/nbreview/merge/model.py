"""The merge as data: merged cells, where they go, and the conflicts left to decide.

A :class:`MergeResult` is computed once from base, local and remote; resolving it
(:func:`nbreview.merge.resolve.resolve_merge`) with a choice per conflict (or one strategy for
all) gives a :class:`MergedNotebook`. The CLI resolves it with conflicts marked; the
mergetool page resolves it again with the choices a person made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nbreview.merge.labels import MarkerStyle
from nbreview.merge.text import Piece, TextConflict
from nbreview.merge.values import Path, ValueConflict

Side = Literal["local", "remote"]
ConflictKind = Literal["source", "delete", "value", "move"]
# How a conflict is resolved: one side, both (sources: local's lines then remote's), the
# base version, or a text typed by hand (("edit", text)).
Choice = str | tuple[str, str]
CHOICES = ("local", "remote", "both", "base")
OUTPUT_MODES = ("auto", "local", "remote", "clear", "union")
STRATEGIES = ("local", "remote", "base")  # take this side for every conflict (``--strategy``)


@dataclass
class Conflict:
    """Something the two sides changed incompatibly.

    ``source``: a hunk of a cell's source (``detail`` is the :class:`TextConflict`);
    ``delete``: the cell was deleted on ``deleted`` and edited on the other side;
    ``value``: a metadata or cell field at ``path`` (``detail`` is the :class:`ValueConflict`);
    ``move``: both sides moved the cell to different places.
    ``cell`` is the merged cell (None for notebook metadata).
    """

    id: int
    kind: ConflictKind
    cell: MergedCell | None = None
    detail: TextConflict | ValueConflict | None = None
    deleted: Side | None = None

    @property
    def path(self) -> Path:
        return self.detail.path if isinstance(self.detail, ValueConflict) else []


@dataclass
class MergedCell:
    """One cell of the result: its three versions and what merging them found.

    ``base`` is None for a cell inserted on one or both sides; ``local``/``remote`` is None
    where that side deleted or never had it. ``pieces`` is the merged source, ``fields``
    the merged cell without source, outputs and execution count.
    """

    base: dict[str, Any] | None
    local: dict[str, Any] | None
    remote: dict[str, Any] | None
    index: tuple[int | None, int | None, int | None]  # positions in base, local, remote
    pieces: list[Piece] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    deleted: Side | None = None  # delete-vs-edit: the side that deleted it


@dataclass
class Slot:
    """A place in the merged order; ``when`` shows it only if that conflict resolves that way."""

    cell: MergedCell
    when: tuple[int, str] | None = None


@dataclass
class MergeResult:
    """The structured merge: every merged cell and conflict, before any choice is applied."""

    slots: list[Slot]
    conflicts: list[Conflict]
    metadata: dict[str, Any]
    fields: dict[str, Any]
    base_nb: dict[str, Any]
    local_nb: dict[str, Any]
    remote_nb: dict[str, Any]
    outputs: str = "auto"
    labels: tuple[str, str, str] = ("base", "local", "remote")
    style: MarkerStyle = field(default_factory=MarkerStyle)  # how unresolved conflicts are marked

    @property
    def clean(self) -> bool:
        return not self.conflicts


@dataclass
class MergedNotebook:
    """A merged notebook and the conflicts still marked in it."""

    notebook: dict[str, Any]
    unresolved: list[Conflict]

    @property
    def clean(self) -> bool:
        return not self.unresolved
