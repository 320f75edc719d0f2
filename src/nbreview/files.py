"""Files written whole or not at all: the one atomic write every command and page uses.

A leaf module (it imports nothing from nbreview), so the renderers, the mergetool, the git
setup and the CLI all write files the same way without importing upward.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


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
