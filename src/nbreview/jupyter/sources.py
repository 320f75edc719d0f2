"""The two sides of a review inside Jupyter: the saved notebook, its last checkpoint, or a git revision.

A side is named by a short word the labextension and jupyterlab-git send: ``saved`` (the file
as the ContentsManager has it now), ``checkpoint`` (its last checkpoint, through the
ContentsManager's checkpoints, so non-file managers work too), ``index`` (git's staged copy) or
any revision git knows (``HEAD``, a branch, a commit). Git sides are read from the repository the
notebook lives in, with nbreview's one git runner; they need a file-backed ContentsManager.
"""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

from nbreview.errors import NbreviewError
from nbreview.io.git import INDEX, NotebookPair, git_answer, read_git_blob
from nbreview.io.load import LoadedNotebook, from_object, parse_bytes

SAVED = "saved"
CHECKPOINT = "checkpoint"
_REVISION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@{}~^+-]{0,199}")


class SideError(NbreviewError):
    """A side that cannot be read; ``status`` is the HTTP status the handler answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _maybe(value: Any) -> Any:
    """Await ``value`` when a (sync or async) ContentsManager returned an awaitable."""
    from jupyter_core.utils import ensure_async

    return await ensure_async(value)


async def read_saved(cm: Any, path: str) -> LoadedNotebook:
    """The notebook as saved, read as raw text through the ContentsManager (no nbformat round trip)."""
    from tornado.web import HTTPError

    try:
        model = await _maybe(cm.get(path, content=True, type="file", format="text"))
    except HTTPError as err:
        raise SideError(f"{path}: {err.log_message or 'cannot be read'}", err.status_code) from None
    return parse_bytes(str(model["content"]).encode("utf-8"), path)


async def read_checkpoint(cm: Any, path: str) -> LoadedNotebook:
    """The notebook's last checkpoint: the ContentsManager lists it, its Checkpoints object reads it."""
    checkpoints = await _maybe(cm.list_checkpoints(path))
    if not checkpoints:
        raise SideError(f"{path} has no checkpoint yet: save it once (Ctrl+S) to make one", 404)
    last = max(checkpoints, key=lambda c: str(c.get("last_modified", "")))
    label = f"{path} (checkpoint)"
    store = cm.checkpoints
    if hasattr(store, "get_notebook_checkpoint"):  # GenericCheckpointsMixin: any storage
        model = await _maybe(store.get_notebook_checkpoint(last["id"], path))
        return from_object(dict(model["content"]), label)
    if hasattr(store, "checkpoint_path"):  # FileCheckpoints: a file beside the notebook
        try:
            with open(store.checkpoint_path(last["id"], path), "rb") as fh:
                return parse_bytes(fh.read(), label)
        except OSError as err:
            raise SideError(f"{label}: {err.strerror or err}", 404) from None
    raise SideError(f"{type(store).__name__} cannot read a checkpoint back")


def _repository(cm: Any, path: str) -> tuple[str, str]:
    """(top-level folder of the repository holding ``path``, ``path`` relative to it)."""
    get_os_path = getattr(cm, "_get_os_path", None)
    if get_os_path is None:
        raise SideError(f"{path} is not on disk (the server keeps notebooks in {type(cm).__name__}): git revisions "
                        "need a file-backed contents manager; review against the last checkpoint instead")
    os_path = os.path.realpath(get_os_path(path))
    top = git_answer(["rev-parse", "--show-toplevel"], os.path.dirname(os_path))
    if not top:
        raise SideError(f"{path} is not in a git repository", 404)
    return top, os.path.relpath(os_path, os.path.realpath(top)).replace(os.sep, "/")


def read_revision(cm: Any, path: str, rev: str) -> LoadedNotebook:
    """``path`` as git stores it at ``rev`` (``index`` for the staged copy), from its own repository."""
    if rev != "index" and not _REVISION.fullmatch(rev):
        raise SideError(f"{rev[:80]!r} is not a revision")
    top, rel = _repository(cm, path)
    git_rev = INDEX if rev == "index" else rev
    if git_rev != INDEX and git_answer(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top) is None:
        raise SideError(f"git knows no revision {rev!r} in {top}", 404)
    loaded = read_git_blob(git_rev, rel, top)
    loaded.label = f"{path} (staged)" if rev == "index" else f"{rev}:{path}"
    return loaded


async def read_side(cm: Any, path: str, side: str) -> LoadedNotebook:
    """One side by its word: ``saved``, ``checkpoint``, ``index`` or a git revision."""
    if side == SAVED:
        return await read_saved(cm, path)
    if side == CHECKPOINT:
        return await read_checkpoint(cm, path)
    # git runs in a worker thread: the server keeps answering while it reads a large blob
    return await asyncio.get_running_loop().run_in_executor(None, read_revision, cm, path, side)


async def load_pair(cm: Any, path: str, old: str, new: str = SAVED) -> NotebookPair:
    """The notebook at ``path`` with its ``old`` and ``new`` sides read."""
    if not path.endswith(".ipynb"):
        raise SideError(f"{path}: nbreview reviews notebooks (*.ipynb)")
    return NotebookPair(path, await read_side(cm, path, old), await read_side(cm, path, new), "modified")
