"""``nbreview git-diffdriver``: git's external diff command for ``*.ipynb`` (see :mod:`nbreview.git.diffdriver`).

git calls it as ``path old-file old-hex old-mode new-file new-hex new-mode [new-path info]``;
the exit status is always 0, so a notebook nbreview cannot read never makes ``git diff`` fail.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from nbreview.git.diffdriver import POSITIONAL, DriverCall, under_difftool

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


def parse_argv(argv: list[str]) -> Any:
    """git's 7 (or 9, for a rename) arguments as ``args``, without importing argparse; None otherwise.

    Anything else (``--help``, a hand-made call with fewer arguments) goes to argparse.
    """
    if len(argv) not in (7, 9) or any(a in ("-h", "--help") for a in argv):
        return None
    values: dict[str, str | None] = {"new_path": None, "info": ""}
    values.update((name, value) for name, value in zip(POSITIONAL, argv, strict=False))
    return SimpleNamespace(**values)


def run(args: argparse.Namespace) -> int:
    from nbreview.git.diffdriver import GitColor, driver_output, step_aside

    call = DriverCall(**{name: getattr(args, name) for name in POSITIONAL})
    if under_difftool():
        return step_aside(call)
    color = GitColor()  # asks git in the background while the notebooks load
    from nbreview.cli.output import terminal_width
    from nbreview.render.terminal import terminal_safe

    text = driver_output(call, color, terminal_width())
    try:
        sys.stdout.write(terminal_safe(text))
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0
