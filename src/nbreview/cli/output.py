"""How a command's output reaches the terminal: colour or not, the width, the pager.

Shared by ``diff``, ``log`` and ``difftool`` (and the diff driver's width), so the three
page and colour the same way.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: the git diff driver's helper client starts without importing typing

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable
    from typing import IO

    from nbreview.render.terminal import TerminalStyle

COLOR_CHOICES = ("auto", "always", "never")  # ``--color``; ``auto`` is decided by :func:`use_color`


def use_color(choice: str, stream: IO[str] | None = None) -> bool:
    """``always``/``never``, or for ``auto``: a terminal that is not dumb, and ``NO_COLOR`` unset."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def terminal_width() -> int:
    """``COLUMNS``, else the terminal's width, else 100; kept within 40..200.

    What ``shutil.get_terminal_size`` does, without importing shutil (and its compression
    modules) into every diff driver process.
    """
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return max(40, min(columns or 100, 200))


def make_style(args: argparse.Namespace, color: bool) -> TerminalStyle:
    from nbreview.render.terminal import TerminalStyle, theme_from_env

    return TerminalStyle(
        color=color,
        width=terminal_width(),
        context=max(0, args.unified),
        show_unchanged=args.show_all,
        show_transient=args.show_all,
        theme=theme_from_env(),
        results_only=getattr(args, "results", False),
    )


def pager_command() -> str | None:
    """``NBREVIEW_PAGER``, then ``PAGER``, else ``less``; empty or ``cat`` means no pager."""
    cmd = os.environ.get("NBREVIEW_PAGER", os.environ.get("PAGER", "less"))
    if not cmd.strip() or cmd.strip() == "cat":
        return None
    return cmd


def emit(lines: Iterable[str], args: argparse.Namespace) -> None:
    """Write lines to stdout, through a pager (``less -FRX``) when stdout is a terminal.

    Every line passes the terminal guard, whichever renderer made it."""
    from nbreview.render.terminal import terminal_safe

    lines = (terminal_safe(line) for line in lines)
    pager = None if (getattr(args, "no_pager", False) or not sys.stdout.isatty()) else pager_command()
    if pager is None:
        for line in lines:
            sys.stdout.write(line if line.endswith("\n") else line + "\n")
        sys.stdout.flush()
        return
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    proc = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    try:
        for line in lines:
            proc.stdin.write((line if line.endswith("\n") else line + "\n").encode("utf-8", errors="replace"))
        proc.stdin.close()
    except BrokenPipeError:
        pass
    proc.wait()
