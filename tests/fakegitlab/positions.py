"""A merge request version's diff as GitLab parses it, and the check GitLab makes on a diff note's
``position`` before saving it.

- ``lib/gitlab/diff/parser.rb``: each diff line has an ``old_pos`` and ``new_pos``; an added line
  keeps the old counter as its ``old_pos`` (and a removed line the new counter as its ``new_pos``),
  but ``Gitlab::Diff::Line#old_line`` is nil for an added line and ``#new_line`` nil for a removed one.
- ``lib/gitlab/diff/line_code.rb``: a line code is ``"<sha1(path)>_<old_pos>_<new_pos>"``.
- ``app/models/diff_note.rb``: ``before_validation :set_line_code`` takes the line code of the diff
  line whose ``old_line``/``new_line`` equal the position's (``Diff::File#line_for_position``), over
  the diff of the position's own ``base_sha..head_sha``; ``validates :line_code, presence: true,
  line_code: true``. A position on no diff line (or on SHAs that are no version of the MR) fails
  both rules: ``400 Bad request - Note {:line_code=>["can't be blank", "must be a
  valid line code"]}`` (``lib/api/discussions.rb``: ``bad_request!("Note #{note.errors.messages}")``;
  the exact text is quoted in gitlab4j/gitlab4j-api#442 and Nikita-Filonov/ai-review#73).
- Stricter than GitLab: the fake diffs only the MR's own versions, so refs that are no version
  (unknown SHAs, or base_sha and start_sha swapped) are refused with that 400. GitLab diffs whatever
  commits it is given (``DiffRefs#compare_in``), and discussions.md warns that wrong ``base``/``start``/
  ``head`` SHAs run into issue 296829; the adapter must send a version's three refs.
- ``lib/gitlab/diff/lines_unfolder.rb``: an *unchanged* line (both old_line and new_line) outside the
  diff hunks is still accepted: the diff is unfolded from the old blob first (``unfold_required?``:
  text file, not new or deleted, ``old_line`` within the old blob, not already a diff line), each
  unfolded line numbered ``old_pos`` and ``old_pos + offset``, the offset being ``new_pos - old_pos``
  of the next hunk's header (or of the last diff line, below the last hunk). So a wrong ``new_line``
  for that ``old_line`` is refused.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import MergeRequest, Version

CONTEXT = 3  # git's default unified context, which GitLab's stored MR diffs use
POSITION_KEYS = ("base_sha", "start_sha", "head_sha", "old_path", "new_path", "position_type",
                 "old_line", "new_line", "line_range")
LINE_CODE_ERROR = "400 Bad request - Note {:line_code=>[\"can't be blank\", \"must be a valid line code\"]}"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "match" (a hunk header), "new", "old" or "" (unchanged)
    old_pos: int
    new_pos: int

    @property
    def old_line(self) -> int | None:
        return None if self.kind in ("new", "match") else self.old_pos

    @property
    def new_line(self) -> int | None:
        return None if self.kind in ("old", "match") else self.new_pos


def _lines(d: dict[str, Any], kind: type) -> dict[str, Any]:
    """Grape's coercion of ``old_line``/``new_line`` to the declared type (form values are strings)."""
    return {k: (kind(v) if k in ("old_line", "new_line") and v not in (None, "") else v) for k, v in d.items()}


def normalize(position: dict[str, Any], range_lines: type = str) -> dict[str, Any]:
    """A posted position as the note entity gives it back: every key present, line numbers as
    integers. lib/api/discussions.rb declares ``line_range[start|end][old_line|new_line]`` as
    String (so they come back as strings); lib/api/draft_notes.rb declares them Integer."""
    out = {k: None for k in POSITION_KEYS} | _lines(position, int)
    if isinstance(out["line_range"], dict):
        out["line_range"] = {k: _lines(v, range_lines) for k, v in out["line_range"].items() if isinstance(v, dict)}
    return out


def line_code(path: str, old_pos: int, new_pos: int) -> str:
    """line_code.rb: ``"#{Digest::SHA1.hexdigest(file_path)}_#{old_line_position}_#{new_line_position}"``."""
    return f"{hashlib.sha1(path.encode()).hexdigest()}_{old_pos}_{new_pos}"


def text_lines(data: bytes | None) -> list[str]:
    return [] if data is None else data.decode("utf-8", "replace").splitlines()


def diff_lines(old: list[str], new: list[str]) -> list[DiffLine]:
    """The unified diff of two texts (3 lines of context) as parser.rb numbers its lines."""
    out: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(CONTEXT):
        old_start = group[0][1] + (group[-1][2] > group[0][1])  # unified diff's "-0,0" for no lines
        new_start = group[0][3] + (group[-1][4] > group[0][3])
        if old_start > 1 or new_start > 1:  # parser.rb: "next if line_old <= 1 && line_new <= 1 # top of file"
            out.append(DiffLine("match", old_start, new_start))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [DiffLine("", i + 1, j1 + (i - i1) + 1) for i in range(i1, i2)]
                continue
            out += [DiffLine("old", i + 1, j1 + 1) for i in range(i1, i2)]
            out += [DiffLine("new", i2 + 1, j + 1) for j in range(j1, j2)]
    return out


def unified(path: str, old: bytes | None, new: bytes | None) -> str:
    """The ``diff`` text of a changed file, as ``GET …/diffs`` gives it (no ``---``/``+++`` lines): the
    same diff :func:`diff_lines` numbers for the position check (no autojunk), as GitLab has one diff
    for both; ``difflib.unified_diff`` junks frequent lines and would give other hunks."""
    a, b = text_lines(old), text_lines(new)
    out = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{i1 + (i2 > i1)},{i2 - i1} +{j1 + (j2 > j1)},{j2 - j1} @@")
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                out += [" " + line for line in a[x1:x2]]
                continue
            out += ["-" + line for line in a[x1:x2]] + ["+" + line for line in b[y1:y2]]
    return "".join(line + "\n" for line in out)


def _unfolded(lines: list[DiffLine], old_len: int, old_line: int, new_line: int) -> bool:
    """lines_unfolder.rb: whether an unchanged line outside the hunks is at (old_line, new_line)."""
    if not lines or not 1 <= old_line <= old_len:
        return False
    last = lines[-1]
    if old_line > last.old_pos:  # below the last hunk ("bottom?")
        return new_line == old_line + last.new_pos - last.old_pos
    at = next((i for i, x in enumerate(lines) if x.kind == "match" and x.old_pos > old_line), None)
    if at is None or (at > 0 and old_line <= lines[at - 1].old_pos):
        return False  # inside a hunk: the unfolded blob lines would not reach it
    return new_line == old_line + lines[at].new_pos - lines[at].old_pos


def position_line_code(mr: MergeRequest, position: dict[str, Any]) -> str | None:
    """The line code GitLab would set for a text ``position`` on ``mr``, None where it finds none."""
    version = mr.version(str(position.get("base_sha")), str(position.get("start_sha")), str(position.get("head_sha")))
    if version is None or position.get("position_type", "text") != "text":
        return None
    old_path, new_path = position.get("old_path"), position.get("new_path")
    entry = next((e for e in version_files(mr, version) if e[:2] == (old_path, new_path)), None)
    if entry is None:
        return None  # not a file of this version's diff (Position#diff_file finds none)
    old, new = entry[2], entry[3]
    lines = diff_lines(text_lines(old), text_lines(new))
    old_line, new_line = _int(position.get("old_line")), _int(position.get("new_line"))
    path = str(new_path if new is not None else old_path)
    hit = next((x for x in reversed(lines) if (x.old_line, x.new_line) == (old_line, new_line)), None)
    if hit is not None:
        return line_code(path, hit.old_pos, hit.new_pos)
    if old is None or new is None or old_line is None or new_line is None:
        return None
    if _unfolded(lines, len(text_lines(old)), old_line, new_line):
        return line_code(path, old_line, new_line)
    return None


def trace(mr: MergeRequest, before: Version, after: Version, position: dict[str, Any]) -> dict[str, Any] | None:
    """A diff note's position carried to a new version, or None when its line did not survive (the
    note is then outdated and keeps its position). GitLab moves a note's ``position`` forward on
    each push (``Discussions::UpdateDiffPositionService`` with ``Gitlab::Diff::PositionTracer``;
    ``original_position`` keeps the first one); the fake follows the line through the
    old head -> new head diff (``old_line`` is on the unchanged base) and keeps the result only
    where the new version's diff has that line."""
    if position.get("head_sha") != before.head_sha or position.get("position_type", "text") != "text":
        return None
    moved = dict(position, base_sha=after.base_sha, start_sha=after.start_sha, head_sha=after.head_sha)
    new_line = _int(position.get("new_line"))
    if new_line is not None:
        path = str(position.get("new_path"))
        old, new = text_lines(before.head_files.get(path)), text_lines(after.head_files.get(path))
        blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks()
        hit = next((b.b + new_line - 1 - b.a for b in blocks if b.a < new_line <= b.a + b.size), None)
        if hit is None:
            return None
        moved["new_line"] = hit + 1
    return moved if position_line_code(mr, moved) is not None else None


def version_files(mr: MergeRequest, version: Version) -> list[tuple[str, str, bytes | None, bytes | None]]:
    """The changed files of one version, sorted by path: ``(old_path, new_path, old bytes or None,
    new bytes or None)``; a rename (``mr.renames``, new path -> old path) is one entry, even unchanged."""
    base, head = mr.base_files, version.head_files
    renames = {new: old for new, old in mr.renames.items() if new in head and old in base and old not in head}
    out: list[tuple[str, str, bytes | None, bytes | None]] = [(o, n, base[o], head[n]) for n, o in renames.items()]
    for path in set(base) | set(head):
        if path in renames or path in renames.values() or base.get(path) == head.get(path):
            continue
        out.append((path, path, base.get(path), head.get(path)))
    return sorted(out, key=lambda entry: entry[1])


def diff_json(old_path: str, new_path: str, old: bytes | None, new: bytes | None) -> dict[str, Any]:
    """One file of ``GET …/diffs`` (merge_requests.md "List merge request diffs")."""
    return {
        "old_path": old_path, "new_path": new_path, "a_mode": "100644", "b_mode": "100644",
        "diff": unified(new_path, old, new), "new_file": old is None, "renamed_file": old_path != new_path,
        "deleted_file": new is None, "generated_file": False,
    }


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)
