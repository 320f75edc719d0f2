"""``nbreview git-diffdriver``: git's external diff command for ``*.ipynb``.

git calls it as ``path old-file old-hex old-mode new-file new-hex new-mode [new-path info]``
(``GIT_EXTERNAL_DIFF`` arguments; ``/dev/null`` for an added or deleted file). It must
never make ``git diff`` fail: a file that is not a readable notebook gets a one-line notice
and a plain text diff, a git-lfs pointer is reported as one, and the exit status is 0.

Colour follows git: ``git config --get-colorbool color.diff`` with the terminal test
extended to git's pager (``GIT_PAGER_IN_USE``), so ``git diff`` in a terminal is coloured,
``git diff | cat`` is not, ``git -c color.ui=always diff`` is; ``NO_COLOR`` turns it off
and ``NBREVIEW_COLOR=always|never`` overrides everything.

Under ``git difftool`` (which sets ``GIT_EXTERNAL_DIFF=git-difftool--helper``, and
``GIT_DIFF_TOOL`` for ``-t``) the driver steps aside: it hands its arguments to
``git-difftool--helper``, so ``-t TOOL`` and ``-x CMD`` run what was asked for (git lets a
diff driver named in the attributes win over ``GIT_EXTERNAL_DIFF``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path")
    parser.add_argument("old_file")
    parser.add_argument("old_hex", nargs="?", default="")
    parser.add_argument("old_mode", nargs="?", default="")
    parser.add_argument("new_file", nargs="?", default=os.devnull)
    parser.add_argument("new_hex", nargs="?", default="")
    parser.add_argument("new_mode", nargs="?", default="")
    parser.add_argument("new_path", nargs="?", default=None)
    parser.add_argument("info", nargs="?", default="")


class GitColor:
    """Whether git wants colour, asked in the background while the notebooks load and diff.

    ``git config --get-colorbool`` is a process of its own; started first and read last, it
    costs the driver no wall time.
    """

    def __init__(self) -> None:
        self.decided: bool | None = None
        self.proc: subprocess.Popen[str] | None = None
        forced = os.environ.get("NBREVIEW_COLOR", "").lower()
        self.tty = sys.stdout.isatty() or bool(os.environ.get("GIT_PAGER_IN_USE"))
        if forced in ("always", "never"):
            self.decided = forced == "always"
        elif os.environ.get("NO_COLOR"):
            self.decided = False
        else:
            try:
                self.proc = subprocess.Popen(
                    ["git", "config", "--get-colorbool", "color.diff", "true" if self.tty else "false"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    stdin=subprocess.DEVNULL,
                    text=True,
                )
            except OSError:
                self.decided = self.tty

    def wanted(self) -> bool:
        if self.decided is None:
            assert self.proc is not None
            out, _ = self.proc.communicate()
            self.decided = out.strip() == "true" if self.proc.returncode == 0 else self.tty
        return self.decided


POSITIONAL = ("path", "old_file", "old_hex", "old_mode", "new_file", "new_hex", "new_mode", "new_path", "info")


def parse_argv(argv: list[str]) -> Any:
    """git's 7 (or 9, for a rename) arguments as ``args``, without importing argparse; None otherwise.

    Anything else (``--help``, a hand-made call with fewer arguments) goes to argparse.
    """
    if len(argv) not in (7, 9) or any(a in ("-h", "--help") for a in argv):
        return None
    values: dict[str, str | None] = {"new_path": None, "info": ""}
    values.update((name, value) for name, value in zip(POSITIONAL, argv, strict=False))
    return SimpleNamespace(**values)


def git_wants_color() -> bool:
    """``git config --get-colorbool color.diff``, with git's pager counting as a terminal."""
    return GitColor().wanted()


def _read(path: str) -> bytes:
    if path == os.devnull:
        return b""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def under_difftool() -> bool:
    """Whether git runs this driver for ``git difftool`` rather than ``git diff``."""
    external = os.environ.get("GIT_EXTERNAL_DIFF", "")
    return os.path.basename(external) == "git-difftool--helper" or bool(os.environ.get("GIT_DIFF_TOOL"))


def step_aside(args: argparse.Namespace) -> int:
    """Run ``git-difftool--helper`` with git's arguments (it finds the tool); its exit status is ours."""
    argv = [args.path, args.old_file, args.old_hex, args.old_mode, args.new_file, args.new_hex, args.new_mode]
    if args.new_path is not None:
        argv += [args.new_path, args.info]
    helper = "git-difftool--helper"
    try:
        exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        exec_path = ""
    if exec_path and os.path.isfile(os.path.join(exec_path, helper)):
        helper = os.path.join(exec_path, helper)
    sys.stdout.flush()
    try:
        return subprocess.call([helper, *argv])
    except OSError as err:
        sys.stderr.write(f"nbreview: cannot run {helper}: {err.strerror or err}\n")
        return 1


def run(args: argparse.Namespace) -> int:
    if under_difftool():
        return step_aside(args)
    from nbreview.io.git import display_path

    color = GitColor()
    args.path = display_path(args.path)
    if args.new_path is not None:
        args.new_path = display_path(args.new_path)
    old_label = "/dev/null" if args.old_file == os.devnull else f"a/{args.path}"
    new_path = args.new_path or args.path
    new_label = "/dev/null" if args.new_file == os.devnull else f"b/{new_path}"
    title = f"nbreview {old_label} → {new_label}"
    if args.old_file == os.devnull:
        title += " (new notebook)"
    elif args.new_file == os.devnull:
        title += " (deleted)"
    elif new_path != args.path:
        title += f" (renamed from {args.path})"
    modes = (args.old_mode, args.new_mode)
    if all(m and m != "." for m in modes) and args.old_mode != args.new_mode:
        title += f" (mode {args.old_mode} → {args.new_mode})"
    old_bytes, new_bytes = _read(args.old_file), _read(args.new_file)
    if is_binary(old_bytes) or is_binary(new_bytes):
        text = _binary(old_label, new_label, title, color.wanted())
    else:
        try:
            text = _notebook_diff(old_bytes, new_bytes, old_label, new_label, title, color)
        except Exception as err:  # noqa: BLE001 - git diff must go on, whatever the file holds
            text = _fallback(err, old_bytes, new_bytes, old_label, new_label, title, color.wanted())
    from nbreview.render.terminal import terminal_safe

    try:
        sys.stdout.write(terminal_safe(text))
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0


def _notebook_diff(old: bytes, new: bytes, old_label: str, new_label: str, title: str, color: GitColor) -> str:
    from nbreview.cli.diff_cmd import terminal_width
    from nbreview.engine.pipeline import diff
    from nbreview.io.load import parse_bytes
    from nbreview.render.terminal import TerminalStyle, render, theme_from_env

    a = parse_bytes(old, old_label)
    b = parse_bytes(new, new_label)
    d = diff(a, b)
    st = TerminalStyle(color=color.wanted(), width=terminal_width(), theme=theme_from_env())
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


def _fallback(
    err: Exception, old: bytes, new: bytes, old_label: str, new_label: str, title: str, color: bool
) -> str:
    from nbreview.errors import LfsPointerError, NbreviewError
    from nbreview.render.terminal import BOLD, CYAN, GREEN, RED, RESET, YELLOW, clean

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    lines = [paint(BOLD, clean(title))]
    if isinstance(err, LfsPointerError):
        sides = []
        for data in (old, new):
            if data.startswith(b"version https://git-lfs"):
                sides.append(f"git-lfs pointer ({_lfs_info(data)})")
            elif not data:
                sides.append("(none)")
            else:
                sides.append(f"notebook ({len(data)} bytes)")
        lines.append(paint(YELLOW, f"! git-lfs pointer, not notebook content: {sides[0]} → {sides[1]}"))
        lines.append(paint(YELLOW, "! run 'git lfs pull' (or install git-lfs) to diff the notebooks themselves"))
        return "\n".join(lines) + "\n"
    reason = str(err) if isinstance(err, NbreviewError) else f"internal error: {type(err).__name__}: {err}"
    lines.append(paint(YELLOW, "! " + clean(" ".join(reason.split())) + "; showing a plain text diff"))
    import difflib

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
