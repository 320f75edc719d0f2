"""``nbreview git-diffdriver``: git's external diff command for ``*.ipynb`` (see :mod:`nbreview.git.diffdriver`).

git calls it as ``path old-file old-hex old-mode new-file new-hex new-mode [new-path info]``;
the exit status is always 0, so a notebook nbreview cannot read never makes ``git diff`` fail.
In a ``git diff`` of several files, drivers after the first hand their files to the first
one's warm helper (:mod:`nbreview.git.helper`) before importing anything else.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

TYPE_CHECKING = False  # not typing's: the git diff driver's helper client starts without importing typing

if TYPE_CHECKING:
    import argparse
    from typing import Any

    from nbreview.git.diffdriver import GitColor

# git's arguments in git's order (``nbreview.git.diffdriver.DriverCall`` has the same fields).
POSITIONAL = ("path", "old_file", "old_hex", "old_mode", "new_file", "new_hex", "new_mode", "new_path", "info")


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
    """The driver with the cyclic collector off: in one diff it would only walk what the imports
    built (~3% of a run); parsing and diffing pause it anyway. A helper forked here turns it on."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if was_enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    from nbreview.cli.output import terminal_width

    argv = [getattr(args, name) for name in POSITIONAL]
    argv = argv if argv[-2] is not None else argv[:7]
    difftool = os.path.basename(os.environ.get("GIT_EXTERNAL_DIFF", "")) == "git-difftool--helper"
    if not difftool:
        from nbreview.git.helper import ask_helper

        served = ask_helper(argv, terminal_width())
        if served is not None:
            return _write(served)
    from nbreview.git.diffdriver import DriverCall, step_aside

    call = DriverCall(*argv)
    if difftool:
        return step_aside(call)
    code = _write(_answer({"argv": argv, "width": terminal_width(), "tty": sys.stdout.isatty()}))
    from nbreview.git.helper import start_helper

    start_helper(_answer)
    return code


_COLOUR_ENV = ("GIT_PAGER_IN_USE", "NO_COLOR", "NBREVIEW_COLOR", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
               "GIT_DIR", "HOME", "XDG_CONFIG_HOME")
_COLOURS: dict[tuple[object, ...], GitColor] = {}


def _answer(request: dict[str, Any]) -> bytes:
    """What the driver prints for one request (its own, or one a later driver sent the helper)."""
    from nbreview.git.diffdriver import DriverCall, GitColor, driver_output
    from nbreview.render.terminal import terminal_safe

    if "env" in request:  # a later driver's: its folder and environment (git's colour, COLUMNS, NO_COLOR...)
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update(request["env"])
    # git's colour answer is asked once per git command (its folder, terminal and settings).
    key = (os.getcwd(), bool(request["tty"]), *(os.environ.get(k, "") for k in _COLOUR_ENV))
    color = _COLOURS.get(key)
    if color is None:
        color = _COLOURS[key] = GitColor(bool(request["tty"]))  # asks git in the background while diffing
    text = driver_output(DriverCall(*request["argv"]), color, int(request["width"]))
    return terminal_safe(text).encode("utf-8", errors="replace")


def _write(data: bytes) -> int:
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0
