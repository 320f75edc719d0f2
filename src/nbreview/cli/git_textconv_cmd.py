"""``nbreview git-textconv FILE``: a notebook as stable text, for ``git log -p`` and ``git show``.

See :mod:`nbreview.git.textconv`; it never fails, so git always gets text back.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the file git hands over (a temporary copy of the blob)")


def run(args: argparse.Namespace) -> int:
    from nbreview.git.textconv import textconv

    sys.stdout.buffer.write(textconv(args.file))
    sys.stdout.buffer.flush()
    return 0
