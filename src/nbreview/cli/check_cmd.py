"""``nbreview check FILE...``: fail while a notebook still holds unresolved merge conflicts.

Made for pre-commit hooks and CI. Exit status: 0 nothing unresolved, 1 conflict markers or
nbreview's conflict metadata found (or, with ``--fix``, stale metadata removed: stage the file
again), 2 a file could not be read (one line each on stderr; the other files are still checked).
"""

from __future__ import annotations

import argparse
import re
import sys

# git's own line merge writes markers into the JSON text (a notebook merged without the driver).
_RAW_MARKER = re.compile(rb"^<<<<<<<(?: |$)", re.MULTILINE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="notebooks to check")
    parser.add_argument("--fix", action="store_true",
                        help="remove conflict metadata whose markers were resolved by hand (rewrites those files)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nbreview.cli.common import stdout_write
    from nbreview.errors import NotebookError
    from nbreview.io.load import parse_bytes
    from nbreview.merge.check import drop_resolved, findings
    from nbreview.render.terminal import terminal_line

    status = 0
    for path in args.files:
        name = terminal_line(path)  # a file name, and below notebook text, shown only escaped
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            _error(f"{name}: {_reason(err)}")
            status = 2
            continue
        try:
            nb = parse_bytes(data, path).nb
        except NotebookError as err:
            if _RAW_MARKER.search(data):
                stdout_write(f"{name}: git conflict markers in the file's JSON (merged without nbreview's driver; "
                             "'git checkout --merge' or 'git mergetool -t nbreview' redoes it)\n")
                status = max(status, 1)
            else:
                _error(str(err))
                status = 2
            continue
        if args.fix and drop_resolved(nb):
            _rewrite(path, nb)
            if not args.quiet:
                stdout_write(f"{name}: removed the conflict metadata of resolved conflicts\n")
            status = max(status, 1)
        for finding in findings(nb):
            if not args.quiet:
                stdout_write(f"{name}: {terminal_line(str(finding))}\n")
            status = max(status, 1)
    return status


def _reason(err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return "no such file"
    if isinstance(err, IsADirectoryError):
        return "is a directory, not a notebook"
    return err.strerror or str(err)


def _error(message: str) -> None:
    from nbreview.render.terminal import terminal_line

    sys.stderr.write(f"nbreview: error: {terminal_line(message)}\n")


def _rewrite(name: str, nb: dict[str, object]) -> None:
    from nbreview.errors import NbreviewError
    from nbreview.io.write import dumps_notebook, write_atomic

    try:
        write_atomic(name, dumps_notebook(nb).encode("utf-8"))
    except OSError as err:
        raise NbreviewError(f"{name}: cannot write: {err.strerror or err}") from None
