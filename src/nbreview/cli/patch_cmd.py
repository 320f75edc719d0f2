"""``nbreview patch OLD DIFF.json -o OUT``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nbreview.errors import NbreviewError
from nbreview.io.write import dumps_notebook, terminal_json, write_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="the notebook the diff was made from")
    parser.add_argument("diff", help="a JSON diff from 'nbreview diff --json' ('-' for stdin)")
    parser.add_argument("-o", "--output", help="where to write the patched notebook (default: stdout)")


def run(args: argparse.Namespace) -> int:
    from nbreview.engine.patch import patch
    from nbreview.io.load import parse_json
    from nbreview.io.repair import Repairer

    raw = sys.stdin.read() if args.diff == "-" else _read(args.diff)
    diff = parse_json(raw, args.diff)
    if not isinstance(diff, dict) or diff.get("format") not in (None, "nbreview-diff"):
        raise NbreviewError(f"{args.diff}: not an nbreview diff")
    Repairer(args.diff, surrogates=True).free(diff, "the diff")  # bounded depth, no lone surrogates
    try:
        nb = patch(args.old, diff)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise NbreviewError(f"{args.diff}: not a well-formed nbreview diff ({type(err).__name__}: {err})") from None
    text = dumps_notebook(nb)
    if args.output and args.output != "-":
        write_atomic(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(terminal_json(text))
    return 0


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise NbreviewError(f"{path}: {err.strerror or err}") from None
