"""``nbreview patch OLD DIFF.json -o OUT``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import NbreviewError
from ..write import dumps_notebook
from .common import write_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="the notebook the diff was made from")
    parser.add_argument("diff", help="a JSON diff from 'nbreview diff --json' ('-' for stdin)")
    parser.add_argument("-o", "--output", help="where to write the patched notebook (default: stdout)")


def run(args: argparse.Namespace) -> int:
    from ..apply import patch

    raw = sys.stdin.read() if args.diff == "-" else _read(args.diff)
    try:
        diff = json.loads(raw)
    except json.JSONDecodeError as err:
        raise NbreviewError(f"{args.diff}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
    if not isinstance(diff, dict):
        raise NbreviewError(f"{args.diff}: not an nbreview diff")
    nb = patch(args.old, diff)
    text = dumps_notebook(nb)
    if args.output and args.output != "-":
        write_atomic(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise NbreviewError(f"{path}: {err.strerror or err}") from None
