"""One change (a pull or merge request) opened for review on any host: its notebooks, its threads
placed on cells, the pending review on disk, and writing; the host's own calls go through a
:class:`~nbreview.hosts.protocol.ReviewHost` adapter (``hosts/github/review``, ``hosts/gitlab/review``).

``open_review(host)`` is the one way in (``nbreview review``, ``nbreview web --pr``, the Jupyter
extension). A pending review lives in a :class:`~nbreview.threads.drafts.DraftStore` on disk
until it is submitted, when it lands whole through the host (GitHub: one review; GitLab: draft
notes and one bulk publish). A comment on lines outside the diff's hunks (the page says so before
it is written) becomes a file-level comment that quotes the cell and lines, unless the host takes
unchanged lines there (GitLab unfolds the diff: ``ReviewHost.unfolds``); a range that crosses the
edge of a hunk is refused. Drafts are carried to a new head after a push, or flagged.

The web page (``web/conversations.py``) reads ``files``, ``pairs``, ``info``, ``user``, ``store``,
``pending_remote``, ``last_review`` and ``host`` (its ``name``, ``change_name``, ``events``, ``rate``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nbreview.hosts.protocol import ReviewHost, ReviewInputError, Spot
from nbreview.threads.anchor import Anchor, write_body
from nbreview.threads.drafts import DraftStore, StoredDraft, reanchor
from nbreview.threads.hunks import Hunks, parse_patch
from nbreview.threads.model import HostThread
from nbreview.threads.place import NotebookFile, Thread, place

if TYPE_CHECKING:
    from nbreview.io.git import NotebookPair

__all__ = ["Draft", "ReviewInputError", "ReviewSession", "open_review", "text_field"]

MAX_BODY = 60_000
STATES = {"APPROVED": "approved", "CHANGES_REQUESTED": "changes requested", "COMMENTED": "commented"}


def is_int(value: Any) -> bool:
    """A JSON integer (``true`` is not notebook 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def text_field(data: dict[str, Any], key: str, what: str) -> str:
    """``data[key]`` when it is text with something in it, within :data:`MAX_BODY`; else a clear 400."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReviewInputError(f"{what} needs some text")
    if len(value) > MAX_BODY:
        raise ReviewInputError(f"{what} is limited to {MAX_BODY} characters")
    return value


@dataclass(frozen=True)
class Draft:
    """A comment a reviewer wrote on the page: notebook ``file``, ``side``, ``cell``, lines or output."""

    file: int
    side: str
    cell: int
    body: str
    lines: tuple[int, int] | None = None
    output: int | None = None
    mime: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Draft:
        if not isinstance(data, dict):
            raise ReviewInputError("a comment must be an object")
        body = text_field(data, "body", "a comment")
        file, cell, side = data.get("file"), data.get("cell"), data.get("side")
        if not is_int(file) or not is_int(cell) or side not in ("old", "new"):
            raise ReviewInputError("a comment needs a notebook (a number), a side (old/new) and a cell (a number)")
        lines = data.get("lines")
        span: tuple[int, int] | None = None
        if lines is not None:
            if not (isinstance(lines, list) and len(lines) == 2 and all(is_int(x) and x > 0 for x in lines)):
                raise ReviewInputError("lines must be [first, last]")
            span = (min(lines), max(lines))
        output = data.get("output")
        if output is not None and not (is_int(output) and output >= 0):
            raise ReviewInputError("output must be a number")
        mime = data.get("mime")
        if mime is not None and not isinstance(mime, str):
            raise ReviewInputError("mime must be text")
        return cls(int(file), side, int(cell), body, span, output, mime)  # type: ignore[arg-type]


def open_review(host: ReviewHost, *, max_notebooks: int = 50, log: Callable[[str], None] | None = None,
                ) -> ReviewSession:
    """The change ``host`` names, read and ready for the review page (its notebooks in ``.pairs``)."""
    session = ReviewSession(host, log)
    session.open(max_notebooks)
    return session


class ReviewSession:
    """The change the page was opened for; every write goes through its host and nowhere else."""

    def __init__(self, host: ReviewHost, log: Callable[[str], None] | None = None) -> None:
        from nbreview.render.terminal import log_line  # guarded: file names are a fork's to choose

        self.host = host
        self.log: Callable[[str], None] = log or log_line
        self.files: list[NotebookFile] = []
        self.pairs: list[NotebookPair] = []
        self.head_sha = self.base_sha = ""
        self.info: dict[str, Any] = {}
        self.user = ""
        self.store: DraftStore | None = None
        self.pending_remote: list[HostThread] = []  # the user's pending comments kept on the host itself
        self.last_review: dict[str, Any] | None = None
        self._threads: dict[int, HostThread] = {}  # by the id of each thread's first comment (what the page names)
        self._hunks: dict[str, Hunks] = {}

    @property
    def number(self) -> int:
        return int(self.info.get("number") or 0)

    def open(self, max_notebooks: int = 50) -> list[NotebookPair]:
        """Read the change and its notebooks; the pairs the review page shows."""
        self._read(max_notebooks)
        if self.store is None:
            self.user = self.host.whoami()
            server, project, number = self.host.store_key()
            self.store = DraftStore(server, project, number, self.user or "unknown-user")
        return self.pairs

    def _read(self, max_notebooks: int) -> None:
        opened = self.host.open(max_notebooks)
        self.info, self.base_sha, self.head_sha = opened.info, opened.base, opened.head
        readable = [nb for nb in opened.notebooks if not nb.error]
        for nb in opened.notebooks:
            if nb.error:
                self.log(f"nbreview: {nb.path}: not shown ({nb.error})")
        self.files = [nb.notebook_file() for nb in readable]
        self.pairs = [nb.pair(self.base_sha, self.head_sha) for nb in readable]
        self._hunks = {}

    def current_head(self) -> str:
        """The change's head now (a conditional request where the host has them)."""
        return self.host.current_head()

    def refresh(self, max_notebooks: int = 50) -> list[NotebookPair] | None:
        """The new notebooks when the head moved (drafts carried to it or flagged), else None."""
        if self.host.current_head() == self.head_sha:
            return None
        self._read(max_notebooks)
        if self.store is not None:
            by_path = {f.path: f for f in self.files}
            for d in self.store.drafts:
                nbf = by_path.get(d.path)
                if nbf is None:
                    d.flag = d.flag or f"its notebook is no longer part of the {self.host.change_name}"
                elif d.side == "new" or d.head != self.head_sha:
                    reanchor(d, nbf.map(d.side), self.head_sha)
            self.store.save()
        return self.pairs

    def threads(self, render: Callable[[str], str]) -> tuple[list[Thread], list[Thread]]:
        """The review threads on the change's notebooks, placed on cells, and the comments of the
        user's own pending review on the host (placed the same way)."""
        submitted, pending = self.host.threads()
        self.pending_remote = pending
        self._threads = {int(t.notes[0].id): t for t in submitted if t.notes}
        return (place(submitted, self.files, self.host.fetch, render),
                place(pending, self.files, self.host.fetch, render))

    def resolvable(self) -> bool:
        return self.host.can_resolve()

    def resolve(self, root_id: int, resolved: bool) -> dict[str, Any]:
        """Resolve or unresolve the thread that starts with comment ``root_id``."""
        if not self.host.can_resolve():
            raise ReviewInputError(f"this {self.host.name} server does not say which threads are resolved")
        thread = self._thread(root_id)
        return {"id": root_id, "resolved": self.host.resolve(thread, resolved)}

    def _thread(self, root_id: int) -> HostThread:
        thread = self._threads.get(root_id)
        if thread is None:
            raise ReviewInputError(f"no review thread {root_id} on {self.host.change_name} {self._ref()}")
        return thread

    def _ref(self) -> str:
        return ("!" if self.host.name == "GitLab" else "#") + str(self.number)

    # ------------------------------------------------------------ where comments can go
    def hunks(self, file: int) -> Hunks:
        path = self.files[file].path
        if path not in self._hunks:
            self._hunks[path] = parse_patch(self.files[file].patch)
        return self._hunks[path]

    def _unfolded(self, file: int, side: str, line: int) -> tuple[int, tuple[int, int]] | None:
        """An unchanged line outside the hunks, where the host takes a line comment on one (GitLab
        unfolds the diff): its gap's id and (old, new) numbers, both inside their files."""
        nbf = self.files[file]
        if not self.host.unfolds or not (nbf.base_text and nbf.head_text):
            return None
        got = self.hunks(file).unfolded(side, line)
        if got is None:
            return None
        old, new = got[1]
        ok = 1 <= old <= nbf.base_text.count("\n") + 1 and 1 <= new <= nbf.head_text.count("\n") + 1
        return got if ok else None

    def _gap(self, file: int, side: str, line: int) -> int | None:
        got = self._unfolded(file, side, line)
        return None if got is None else got[0]

    def commentable(self, file: int) -> dict[str, dict[int, list[list[int]]]]:
        """Per side and cell, the runs ``[first, last, hunk]`` of source lines that take a line comment."""
        hunks, nbf = self.hunks(file), self.files[file]
        out: dict[str, dict[int, list[list[int]]]] = {}
        for side in ("old", "new"):
            per: dict[int, list[list[int]]] = {}
            for cell in nbf.map(side).cells:
                runs: list[list[int]] = []
                for k, jl in enumerate(cell.line_json, 1):
                    h = hunks.hunk_of(side, jl)
                    if h is None:
                        h = self._gap(file, side, jl)
                    if h is None:
                        continue
                    if runs and runs[-1][1] == k - 1 and runs[-1][2] == h:
                        runs[-1][1] = k
                    else:
                        runs.append([k, k, h])
                if runs:
                    per[cell.index] = runs
            out[side] = per
        return out

    def spot(self, draft: Draft, flagged: str = "") -> tuple[Spot, str]:
        """Where a draft goes and its body: on its JSON line(s) when inside one hunk, on the file when
        wholly outside the diff, or when ``flagged`` (lost in a push; the text it was written on); a
        range across a hunk's edge is refused."""
        if not 0 <= draft.file < len(self.files):
            raise ReviewInputError(f"no notebook {draft.file} in this {self.host.change_name}")
        nbf = self.files[draft.file]
        json_map = nbf.map(draft.side)
        cell = None if flagged else json_map.cell(draft.cell)  # flagged: that cell index means nothing now
        if cell is None and not flagged:
            raise ReviewInputError(f"{nbf.path} has no cell [{draft.cell}] on the {draft.side} side")
        n_lines = len(cell.line_json) if cell else 0
        if cell and draft.lines and draft.lines[1] > n_lines:
            raise ReviewInputError(f"cell [{draft.cell}] of {nbf.path} has {n_lines} lines, not {draft.lines[1]}")
        if cell and draft.output is not None and draft.output >= len(cell.outputs):
            raise ReviewInputError(f"cell [{draft.cell}] of {nbf.path} has no output {draft.output + 1}")
        src_lines = cell.source.splitlines() if cell else []
        quote = ""
        if flagged:
            quote = flagged  # lost in a push: the lines as they were written on
        elif draft.lines:
            quote = "\n".join(src_lines[draft.lines[0] - 1 : draft.lines[1]])
        elif draft.output is None:
            quote = "\n".join(src_lines)
        anchor = Anchor(draft.side, draft.cell, cell.cell_id if cell else None, draft.lines, draft.output)
        typed = json_map.cell(draft.cell)  # the cell's type as the parsed file says (no second parse)
        language = "python" if typed is not None and typed.cell_type == "code" else ""
        body = write_body(anchor, draft.body, quote, language, self.host.inert)
        on_file = Spot(nbf.path, nbf.old_path, draft.side)
        if flagged or cell is None:
            return on_file, body
        side = draft.side
        hunks = self.hunks(draft.file)
        for a, b in _candidates(draft, json_map, n_lines):
            if hunks.accepts(side, a, b):
                codes = (hunks.position(side, a), hunks.position(side, b))
                return Spot(nbf.path, nbf.old_path, draft.side, a, b, hunks.pair(side, a), hunks.pair(side, b),
                            codes), body
            first_u, last_u = self._unfolded(draft.file, side, a), self._unfolded(draft.file, side, b)
            if first_u and last_u and first_u[0] == last_u[0]:  # unchanged lines between two hunks (GitLab)
                return Spot(nbf.path, nbf.old_path, side, a, b, first_u[1], last_u[1], (first_u[1], last_u[1])), body
            if draft.lines and hunks.touches(side, a, b):
                first, last = draft.lines
                raise ReviewInputError(
                    f"lines {first}–{last} of cell [{draft.cell}] cross the edge of the {self.host.change_name}'s "
                    f"diff: {self.host.name} takes a line comment only on lines inside one hunk; choose lines "
                    "inside it, or comment on each part")
        return on_file, body

    # ------------------------------------------------------------ the pending review
    def _require_store(self) -> DraftStore:
        if self.store is None:
            raise ReviewInputError(f"the {self.host.change_name} is not open yet")
        return self.store

    def add_draft(self, draft: Draft) -> StoredDraft:
        """Keep a comment in the pending review (checked now, as it will be sent)."""
        store = self._require_store()
        self.spot(draft)
        nbf = self.files[draft.file]
        cell = nbf.map(draft.side).cell(draft.cell)
        source = cell.source if cell else ""
        quote = "\n".join(source.splitlines()[draft.lines[0] - 1 : draft.lines[1]]) if draft.lines else source
        return store.add(StoredDraft(
            "", nbf.path, draft.side, draft.cell, draft.body, self.head_sha, draft.lines, draft.output, draft.mime,
            cell.cell_id if cell else None, quote))

    def edit_draft(self, draft_id: Any, body: str) -> dict[str, Any]:
        """A pending comment's new text: one kept here, or one of the user's pending review on the host."""
        if is_int(draft_id):
            self._own_pending(draft_id)
            return self.host.edit_pending(draft_id, body)
        d = self._require_store().edit(str(draft_id), body)
        if d is None:
            raise ReviewInputError("no such pending comment")
        return {"id": d.id}

    def delete_draft(self, draft_id: Any) -> dict[str, Any]:
        if is_int(draft_id):
            self._own_pending(draft_id)
            self.host.delete_pending(draft_id)
            self.pending_remote = [t for t in self.pending_remote if t.notes[0].id != draft_id]
            return {"id": draft_id}
        if not self._require_store().delete(str(draft_id)):
            raise ReviewInputError("no such pending comment")
        return {"id": draft_id}

    def _own_pending(self, note_id: int) -> None:
        if not any(t.notes and t.notes[0].id == note_id for t in self.pending_remote):
            raise ReviewInputError(f"no pending comment {note_id} of yours on {self.host.change_name} {self._ref()}")

    def stored_as_draft(self, d: StoredDraft) -> Draft:
        index = next((i for i, f in enumerate(self.files) if f.path == d.path), -1)
        if index < 0:
            raise ReviewInputError(
                f"{d.path} is no longer part of the {self.host.change_name}; delete that pending comment")
        return Draft(index, d.side, d.cell, d.body, d.lines, d.output, d.mime)

    def submit(self, event: str, body: str) -> dict[str, Any]:
        """Submit the pending review (the drafts kept here and the user's pending comments on the host),
        every draft checked before anything is sent."""
        if event not in self.host.events:
            raise ReviewInputError(f"a review on {self.host.name} is one of {', '.join(self.host.events)}")
        if len(body) > MAX_BODY:
            raise ReviewInputError(f"the review text is limited to {MAX_BODY} characters")
        store = self._require_store()
        drafts = list(store.drafts)
        if event == "REQUEST_CHANGES" and not body.strip() and not drafts and not self.pending_remote:
            raise ReviewInputError("say what should change: write a summary or a comment")
        comments = [self.spot(self.stored_as_draft(d), d.flag and (d.quote or " ")) for d in drafts]
        data = self.host.submit(event, body.strip(), comments)
        store.clear({d.id for d in drafts})
        self.pending_remote = []
        state = str(data.get("state") or "")
        self.last_review = {"id": data.get("id"), "state": state, "label": STATES.get(state, state.lower()),
                            "url": str(data.get("url") or ""), "inline": data.get("inline", 0),
                            "file_level": data.get("file_level", 0)}
        return {"review": data.get("id"), "state": state, "url": self.last_review["url"],
                "inline": self.last_review["inline"], "file_level": self.last_review["file_level"]}

    def single(self, draft: Draft) -> dict[str, Any]:
        """One comment on its own (not part of a review)."""
        return self.host.comment(*self.spot(draft))

    def reply(self, root_id: int, body: str) -> dict[str, Any]:
        return self.host.reply(self._thread(root_id), body.strip())


def _candidates(draft: Draft, json_map: Any, n_lines: int) -> list[tuple[int, int]]:
    """The JSON line spans a draft may take, best first."""
    if draft.lines:
        a, b = json_map.json_line(draft.cell, draft.lines[0]), json_map.json_line(draft.cell, draft.lines[1])
        return [(a, b)] if a is not None and b is not None else []
    if draft.output is not None:
        at = json_map.output_line(draft.cell, draft.output, draft.mime)
        return [(at, at)] if at is not None else []
    cell = json_map.cell(draft.cell)
    return [(cell.line_json[0], cell.line_json[-1]), (cell.line_json[0], cell.line_json[0])] if n_lines else []
