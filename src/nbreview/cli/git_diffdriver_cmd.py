"""``nbreview git-diffdriver``: git's external diff command for ``*.ipynb``.

git calls it as ``path old-file old-hex old-mode new-file new-hex new-mode [new-path info]``
(``GIT_EXTERNAL_DIFF`` arguments; ``/dev/null`` for an added or deleted file). It must
never make ``git diff`` fail: a file that is not a readable notebook gets a one-line notice
and a plain text diff, a git-lfs pointer is reported as one, and the exit status is 0.

Colour follows git: ``git config --get-colorbool color.diff`` with the terminal test
extended to git's pager (``GIT_PAGER_IN_USE``), so ``git diff`` in a terminal is coloured,
``git diff | cat`` is not, ``git -c color.ui=always diff`` is; ``NO_COLOR`` turns it off
and ``NBREVIEW_COLOR=always|never`` overrides everything.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


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


def git_wants_color() -> bool:
    forced = os.environ.get("NBREVIEW_COLOR", "").lower()
    if forced in ("always", "never"):
        return forced == "always"
    if os.environ.get("NO_COLOR"):
        return False
    tty = sys.stdout.isatty() or bool(os.environ.get("GIT_PAGER_IN_USE"))
    try:
        proc = subprocess.run(
            ["git", "config", "--get-colorbool", "color.diff", "true" if tty else "false"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return tty
    return proc.stdout.strip() == "true" if proc.returncode == 0 else tty


def _read(path: str) -> bytes:
    if path == os.devnull:
        return b""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def run(args: argparse.Namespace) -> int:
    color = git_wants_color()
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
    try:
        text = _notebook_diff(old_bytes, new_bytes, old_label, new_label, title, color)
    except Exception as err:  # noqa: BLE001 - git diff must go on, whatever the file holds
        text = _fallback(err, old_bytes, new_bytes, old_label, new_label, title, color)
    from ..render.terminal import terminal_safe

    try:
        sys.stdout.write(terminal_safe(text))
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0


def _notebook_diff(old: bytes, new: bytes, old_label: str, new_label: str, title: str, color: bool) -> str:
    from ..engine import diff
    from ..load import parse_bytes
    from ..render.terminal import TerminalStyle, render, theme_from_env
    from .diff_cmd import terminal_width

    a = parse_bytes(old, old_label)
    b = parse_bytes(new, new_label)
    d = diff(a, b)
    st = TerminalStyle(color=color, width=terminal_width(), theme=theme_from_env())
    return render(d, st, title)


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
    from ..errors import LfsPointerError, NbreviewError
    from ..render.terminal import BOLD, CYAN, GREEN, RED, RESET, YELLOW, clean

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
