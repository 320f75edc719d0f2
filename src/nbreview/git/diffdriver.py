"""git's external diff driver for ``*.ipynb``: what ``nbreview git-diffdriver`` prints.

git calls it as ``path old-file old-hex old-mode new-file new-hex new-mode [new-path info]``
(``GIT_EXTERNAL_DIFF`` arguments; ``/dev/null`` for an added or deleted file). It must
never make ``git diff`` fail: a file that is not a readable notebook gets a one-line notice
and a plain text diff, a git-lfs pointer is reported as one, and the exit status is 0.

Colour follows git: ``git config --get-colorbool color.diff`` with the terminal test
extended to git's pager (``GIT_PAGER_IN_USE``), so ``git diff`` in a terminal is coloured,
``git diff | cat`` is not, ``git -c color.ui=always diff`` is; ``NO_COLOR`` turns it off
and ``NBREVIEW_COLOR=always|never`` overrides everything.

Under ``git difftool`` (which sets ``GIT_EXTERNAL_DIFF=git-difftool--helper``; an exported
``GIT_DIFF_TOOL`` alone is no difftool run: plain git ignores it) the driver steps aside: it
hands its arguments to ``git-difftool--helper``, so ``-t TOOL`` and ``-x CMD`` run what was asked for (git lets a
diff driver named in the attributes win over ``GIT_EXTERNAL_DIFF``).

Everything past the notebook diff is imported lazily: git starts one driver per notebook.
"""

from __future__ import annotations

import os
import sys

from nbreview.io.git import display_path, start_git
from nbreview.records import dataclass, fields

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from nbreview.io.git import BackgroundGit


@dataclass
class DriverCall:
    """git's arguments to the driver, in git's order (the last two only for a rename)."""

    path: str
    old_file: str
    old_hex: str = ""
    old_mode: str = ""
    new_file: str = os.devnull
    new_hex: str = ""
    new_mode: str = ""
    new_path: str | None = None
    info: str = ""

    def git_arguments(self) -> list[str]:
        """The arguments as git gave them (what ``git-difftool--helper`` expects)."""
        argv = [self.path, self.old_file, self.old_hex, self.old_mode, self.new_file, self.new_hex, self.new_mode]
        return argv + ([self.new_path, self.info] if self.new_path is not None else [])


POSITIONAL = tuple(f.name for f in fields(DriverCall))


class GitColor:
    """Whether git wants colour, asked in the background while the notebooks load and diff.

    ``git config --get-colorbool`` is a process of its own; started first and read last, it
    costs the driver no wall time.
    """

    def __init__(self, tty: bool | None = None) -> None:
        """``tty``: whether the driver's stdout is a terminal (None: this process's stdout)."""
        self.decided: bool | None = None
        self.proc: BackgroundGit | None = None
        forced = os.environ.get("NBREVIEW_COLOR", "").lower()
        self.tty = (sys.stdout.isatty() if tty is None else tty) or bool(os.environ.get("GIT_PAGER_IN_USE"))
        if forced in ("always", "never"):
            self.decided = forced == "always"
        elif os.environ.get("NO_COLOR"):
            self.decided = False
        else:
            self.proc = start_git(["config", "--get-colorbool", "color.diff", "true" if self.tty else "false"])
            if self.proc is None:
                self.decided = self.tty

    def wanted(self) -> bool:
        if self.decided is None:
            assert self.proc is not None
            out, _ = self.proc.communicate()
            self.decided = out.strip() == "true" if self.proc.returncode == 0 else self.tty
        return self.decided


def under_difftool() -> bool:
    """Whether git runs this driver for ``git difftool`` rather than ``git diff``."""
    return os.path.basename(os.environ.get("GIT_EXTERNAL_DIFF", "")) == "git-difftool--helper"


def step_aside(call: DriverCall) -> int:
    """Run ``git-difftool--helper`` with git's arguments (it finds the tool); its exit status is ours."""
    import subprocess

    from nbreview.io.git import GitError, git_answer

    helper = "git-difftool--helper"
    try:
        exec_path = git_answer(["--exec-path"]) or ""
    except GitError:
        exec_path = ""
    if exec_path and os.path.isfile(os.path.join(exec_path, helper)):
        helper = os.path.join(exec_path, helper)
    sys.stdout.flush()
    try:
        return subprocess.call([helper, *call.git_arguments()])
    except OSError as err:
        sys.stderr.write(f"nbreview: cannot run {helper}: {err.strerror or err}\n")
        return 1


def driver_output(call: DriverCall, color: GitColor, width: int) -> str:
    """What the driver prints for one notebook: its diff, or a notice and a plain diff. Never raises."""
    path = display_path(call.path)
    new_path = display_path(call.new_path) if call.new_path is not None else path
    # git's labels: ``a/`` + the path, a leading ``/`` dropped (``git diff --no-index /abs/x``).
    old_label = "/dev/null" if call.old_file == os.devnull else f"a/{path.lstrip('/')}"
    new_label = "/dev/null" if call.new_file == os.devnull else f"b/{new_path.lstrip('/')}"
    title = _title(call, path, new_path, old_label, new_label)
    old_bytes, new_bytes = _read(call.old_file), _read(call.new_file)
    if is_binary(old_bytes) or is_binary(new_bytes):
        return _binary(old_label, new_label, title, color.wanted())
    try:
        return _notebook_diff(old_bytes, new_bytes, old_label, new_label, title, color, width)
    except Exception as err:  # noqa: BLE001 - git diff must go on, whatever the file holds
        return _fallback(err, old_bytes, new_bytes, old_label, new_label, title, color.wanted())


def _title(call: DriverCall, path: str, new_path: str, old_label: str, new_label: str) -> str:
    title = f"nbreview {old_label} → {new_label}"
    if call.old_file == os.devnull:
        title += " (new notebook)"
    elif call.new_file == os.devnull:
        title += " (deleted)"
    elif new_path != path and "\nrename from " in f"\n{call.info}":
        title += f" (renamed from {path})"
    elif new_path != path and "\ncopy from " in f"\n{call.info}":
        title += f" (copied from {path})"
    modes = (call.old_mode, call.new_mode)
    if all(m and m != "." for m in modes) and call.old_mode != call.new_mode:
        title += f" (mode {call.old_mode} → {call.new_mode})"
    return title


def _read(path: str) -> bytes:
    if path == os.devnull:
        return b""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def _notebook_diff(
    old: bytes, new: bytes, old_label: str, new_label: str, title: str, color: GitColor, width: int
) -> str:
    from nbreview.io.load import parse_bytes
    from nbreview.render.terminal import TerminalStyle, render, theme_from_env
    from nbreview.results.pipeline import diff

    a = parse_bytes(old, old_label)
    b = parse_bytes(new, new_label)
    d = diff(a, b)
    st = TerminalStyle(color=color.wanted(), width=width, theme=theme_from_env())
    return render(d, st, title)


def is_binary(data: bytes) -> bool:
    """git's test: a NUL byte in the first 8000 bytes. Never a notebook (JSON text has none)."""
    return b"\0" in data[:8000]


def _binary(old_label: str, new_label: str, title: str, color: bool) -> str:
    from nbreview.render.terminal import BOLD, RESET, YELLOW, clean

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    lines = [paint(BOLD, clean(title)), paint(YELLOW, "! not a notebook: binary content"),
             clean(f"Binary files {old_label} and {new_label} differ")]
    return "\n".join(lines) + "\n"


def _lfs_info(data: bytes) -> str:
    fields = dict(
        line.split(" ", 1) for line in data.decode("utf-8", errors="replace").splitlines() if " " in line
    )
    oid = fields.get("oid", "?")
    oid = oid[:19] + "…" if len(oid) > 20 else oid
    size = fields.get("size", "?")
    return f"{oid}, {size} bytes"


def _lfs_notice(old: bytes, new: bytes) -> list[str]:
    """What each side holds when one is a git-lfs pointer, and how to get the notebooks."""
    sides = []
    for data in (old, new):
        if data.startswith(b"version https://git-lfs"):
            sides.append(f"git-lfs pointer ({_lfs_info(data)})")
        elif not data:
            sides.append("(none)")
        else:
            sides.append(f"notebook ({len(data)} bytes)")
    return [f"! git-lfs pointer, not notebook content: {sides[0]} → {sides[1]}",
            "! run 'git lfs pull' (or install git-lfs) to diff the notebooks themselves"]


def _fallback(
    err: Exception, old: bytes, new: bytes, old_label: str, new_label: str, title: str, color: bool
) -> str:
    import difflib

    from nbreview.errors import LfsPointerError, NbreviewError
    from nbreview.render.terminal import BOLD, CYAN, GREEN, RED, RESET, YELLOW, clean

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    lines = [paint(BOLD, clean(title))]
    if isinstance(err, LfsPointerError):
        lines += [paint(YELLOW, line) for line in _lfs_notice(old, new)]
        return "\n".join(lines) + "\n"
    reason = str(err) if isinstance(err, NbreviewError) else f"internal error: {type(err).__name__}: {err}"
    lines.append(paint(YELLOW, "! " + clean(" ".join(reason.split())) + "; showing a plain text diff"))
    a = old.decode("utf-8", errors="replace").splitlines()
    b = new.decode("utf-8", errors="replace").splitlines()
    for line in difflib.unified_diff(a, b, old_label, new_label, lineterm=""):
        line = clean(line)
        if line.startswith(("---", "+++")):
            lines.append(paint(BOLD, line))
        elif line.startswith("@@"):
            lines.append(paint(CYAN, line))
        elif line.startswith("-"):
            lines.append(paint(RED, line))
        elif line.startswith("+"):
            lines.append(paint(GREEN, line))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"
