"""Options and helpers shared by several commands."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..options import DiffOptions

if TYPE_CHECKING:
    import argparse


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


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` to read is racy in threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file so that it is either complete or untouched, never half written.

    An existing file keeps its mode; a new one gets 0666 less the umask, as ``open`` would.
    A symlink is written through: its target is replaced atomically and the link stays.
    """
    import tempfile  # here, not at the top: the diff driver imports this module and never writes

    target = Path(os.path.realpath(path))
    try:
        mode: int = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def stdout_write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
