"""Options and helpers shared by several commands."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from nbreview.cli.output import COLOR_CHOICES
from nbreview.engine.options import DiffOptions

if TYPE_CHECKING:
    import argparse


def add_revision_arguments(parser: argparse.ArgumentParser) -> None:
    """``ARGS... [-- PATHS...]``: argparse drops ``--``, so split on it before parsing (sets ``args.paths``)."""
    parser.add_argument("args", nargs="*", metavar="OLD NEW | REV", help="two notebooks, or up to two git revisions")
    original = parser.parse_args

    def parse(args: Any = None, namespace: Any = None) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        paths: list[str] | None = None
        if "--" in argv:
            cut = argv.index("--")
            argv, paths = argv[:cut], argv[cut + 1 :]
        ns = original(argv, namespace)
        ns.paths = paths
        return ns

    setattr(parser, "parse_args", parse)  # noqa: B010 - an instance override, keeps main.py generic


def add_display_arguments(parser: argparse.ArgumentParser) -> None:
    """How a rendered diff looks in the terminal: colour, unchanged cells, context lines."""
    parser.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour the output (auto: when stdout is a terminal and NO_COLOR is unset)",
    )
    parser.add_argument("--no-color", dest="color", action="store_const", const="never", help="same as --color=never")
    parser.add_argument("-a", "--show-all", action="store_true", help="also show unchanged cells and transient changes")
    parser.add_argument("-U", "--unified", type=int, default=3, metavar="N", help="lines of context (default 3)")


def add_diff_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("what to compare")
    g.add_argument(
        "--ignore", default="", metavar="LIST", help="comma-separated: outputs,metadata,execution-count,ids,whitespace"
    )
    g.add_argument("-O", "--ignore-outputs", action="store_true", help="ignore outputs")
    g.add_argument("-M", "--ignore-metadata", action="store_true", help="ignore metadata")
    g.add_argument("-E", "--ignore-execution-count", action="store_true", help="ignore execution counts")
    g.add_argument("-I", "--ignore-ids", action="store_true", help="ignore cell ids")
    g.add_argument("-w", "--ignore-whitespace", action="store_true", help="ignore whitespace in sources and text")
    g.add_argument("-s", "--sources-only", action="store_true", help="compare cell sources only")


def diff_options(args: argparse.Namespace) -> DiffOptions:
    flags = {
        name: True
        for name in (
            "ignore_outputs",
            "ignore_metadata",
            "ignore_execution_count",
            "ignore_ids",
            "ignore_whitespace",
            "sources_only",
        )
        if getattr(args, name, False)
    }
    return DiffOptions.from_ignore_list(args.ignore, **flags)


def stdout_write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def check_port(port: int) -> None:
    """``--port`` of the commands that serve a page: 0 (any free port) to 65535, else a one-line error."""
    from nbreview.errors import NbreviewError

    if not 0 <= port <= 65535:
        raise NbreviewError(f"--port {port} is not a port number (0-65535; 0 picks a free one)")
