"""``nbreview`` entry point: parse arguments, dispatch lazily, turn errors into one line.

Each command lives in its own module with ``add_arguments(parser)`` and ``run(args)``;
only the chosen command's module is imported, so start-up stays quick. A command that git
runs once per file (the diff driver) may also have ``parse_argv(argv)``, returning its
arguments without argparse (whose help formatter alone costs milliseconds), or None to let
argparse handle anything unusual.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: the git diff driver's helper client starts without importing typing

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any, NoReturn

    from _typeshed import SupportsWrite

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "diff": ("nbreview.cli.diff_cmd", "show the changes between two notebooks (or git revisions)"),
    "patch": ("nbreview.cli.patch_cmd", "apply a JSON diff to a notebook"),
    "git": ("nbreview.cli.git_cmd", "wire nbreview into git: install, uninstall, status"),
    "git-diffdriver": ("nbreview.cli.git_diffdriver_cmd", "git's diff driver for notebooks (set by 'git install')"),
    "git-textconv": ("nbreview.cli.git_textconv_cmd", "a notebook as text for 'git log -p' and 'git show'"),
    "log": ("nbreview.cli.log_cmd", "notebook history: each commit's header and rendered notebook diff, paged"),
    "difftool": ("nbreview.cli.difftool_cmd", "review two notebooks in the browser (git difftool -t nbreview)"),
    "web": ("nbreview.cli.web_cmd", "review notebook changes in the browser (two files or git revisions)"),
    "merge": ("nbreview.cli.merge_cmd", "three-way merge of notebooks (also git's merge driver)"),
    "mergetool": ("nbreview.cli.mergetool_cmd", "resolve merge conflicts in a three-way page in the browser"),
    "check": ("nbreview.cli.check_cmd", "fail while notebooks hold unresolved merge conflicts (for pre-commit)"),
    "pr": ("nbreview.cli.pr_cmd", "post the rendered notebook diff of a pull request as its one comment"),
    "review": ("nbreview.cli.review_cmd", "review a pull or merge request's notebooks in the browser, with threads"),
    "bot": ("nbreview.cli.bot_cmd", "run the pull-request bot as a GitHub App webhook server ('bot serve')"),
}


def _guarded_parser(**kwargs: Any) -> argparse.ArgumentParser:
    """An ArgumentParser whose usage and errors pass the terminal guard: "unrecognized arguments"
    quotes the argument, and a pre-commit hook's arguments are file names anyone can choose."""
    import argparse

    class GuardedParser(argparse.ArgumentParser):
        def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
            from nbreview.render.terminal import terminal_safe

            super()._print_message(terminal_safe(message) if message else message, file)

    return GuardedParser(**kwargs)


def build_parser() -> argparse.ArgumentParser:
    from nbreview import __version__

    parser = _guarded_parser(prog="nbreview", description="Review Jupyter notebook changes.")
    parser.add_argument("--version", action="version", version=f"nbreview {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from nbreview.errors import NbreviewError

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        name = argv[0]
        __import__(COMMANDS[name][0])  # not importlib.import_module: importlib (with warnings) costs a driver ~1%
        module = sys.modules[COMMANDS[name][0]]
        args = module.parse_argv(argv[1:]) if hasattr(module, "parse_argv") else None
        if args is None:
            cmd_parser = _guarded_parser(prog=f"nbreview {name}", description=COMMANDS[name][1])
            module.add_arguments(cmd_parser)
            args = cmd_parser.parse_args(argv[1:])
    else:
        build_parser().parse_args(argv)  # prints help, the version, or the error for an unknown command
        return 2
    try:
        code: int = module.run(args)
        return code
    except NbreviewError as err:
        _fail(str(err))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_broken_pipe()
        return 0
    except Exception as err:  # noqa: BLE001 - the CLI never shows a traceback by default
        if os.environ.get("NBREVIEW_DEBUG"):
            raise
        _fail(f"internal error: {type(err).__name__}: {err} (set NBREVIEW_DEBUG=1 for details)")
        return 3


def git_diffdriver() -> NoReturn:
    """``nbreview-git-diffdriver ARGS``: ``nbreview git-diffdriver ARGS`` as one executable, which
    git runs without a shell (a command with a space costs every notebook a ``sh`` process).

    nbreview's modules come from one cache file (:mod:`nbreview.codecache`), refreshed after
    printing when this run imported any the usual way. The cyclic collector is off from the
    start (``git-diffdriver`` turns it off only once its module is imported, after a collection
    that costs ~2% of a driver), and once the output is flushed the process ends at once
    (``os._exit``): the interpreter's teardown (collecting and freeing every module it imported)
    is ~8% of a driver's work, for a process that holds no file, thread, temporary file or exit
    handler of its own.
    """
    import gc

    from nbreview import codecache

    gc.disable()  # a helper forked from this driver turns it back on
    cache = codecache.install()  # the rest of nbreview's modules from one file, not one file each
    code = main(["git-diffdriver", *sys.argv[1:]])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: git has stopped reading (main exits 0 then too)
            pass
    records = sys.modules.get("nbreview.records")
    try:  # after printing: git has the diff, this only helps the next driver
        codecache.save(cache, records.init_sources if records is not None else None)
    except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is no driver's failure
        pass
    os._exit(code)


def _fail(message: str) -> None:
    from nbreview.render.terminal import terminal_safe

    line = terminal_safe(" ".join(message.split()))  # messages may quote notebook text or file names
    sys.stderr.write(f"nbreview: error: {line}\n")


def _quiet_broken_pipe() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
