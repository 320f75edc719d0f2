"""``nbreview diff OLD NEW``: a notebook-aware diff in the terminal, or as JSON."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

from .common import add_diff_options, diff_options, stdout_write


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="old notebook (or /dev/null)")
    parser.add_argument("new", help="new notebook (or /dev/null)")
    parser.add_argument(
        "--json", action="store_true", help="print the diff as JSON (the format 'nbreview patch' reads)"
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output (auto: when stdout is a terminal and NO_COLOR is unset)",
    )
    parser.add_argument("-a", "--show-all", action="store_true", help="also show unchanged cells and transient changes")
    parser.add_argument("--exit-code", action="store_true", help="exit 1 when the notebooks differ")
    add_diff_options(parser)


def use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def run(args: argparse.Namespace) -> int:
    from ..engine import diff

    d = diff(args.old, args.new, options=diff_options(args))
    if args.json:
        stdout_write(json.dumps(d.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        from ..render.terminal import TerminalStyle, render

        width = shutil.get_terminal_size((100, 24)).columns
        st = TerminalStyle(
            color=use_color(args.color),
            width=min(width, 160),
            show_unchanged=args.show_all,
            show_transient=args.show_all,
        )
        stdout_write(render(d, st))
    return 1 if args.exit_code and d.has_changes else 0
