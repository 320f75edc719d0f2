"""``nbreview git-textconv FILE``: a notebook as stable text, for ``git log -p`` and ``git show``.

git line-diffs what this prints. It never fails: a file that is not a readable notebook
(conflict markers, a git-lfs pointer) is printed as it is, after a one-line notice.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the file git hands over (a temporary copy of the blob)")


def run(args: argparse.Namespace) -> int:
    from nbreview.errors import NbreviewError
    from nbreview.io.load import read_path
    from nbreview.render.plaintext import notebook_text
    from nbreview.render.terminal import clean

    out = sys.stdout.buffer
    try:
        loaded = read_path(args.file)
        text = notebook_text(loaded.nb)
    except (NbreviewError, Exception) as err:  # noqa: BLE001 - git must always get text back
        try:
            with open(args.file, "rb") as fh:
                raw = fh.read()
        except OSError:
            raw = b""
        detail = " ".join(str(err).split()).replace(args.file, "file")
        out.write(f"# nbreview: not shown as a notebook ({clean(detail)}); raw text follows\n".encode())
        out.write(clean(raw.decode("utf-8", errors="replace")).encode())
        out.flush()
        return 0
    out.write(text.encode("utf-8", errors="replace"))
    out.flush()
    return 0
