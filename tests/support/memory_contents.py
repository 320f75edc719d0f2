"""A Jupyter ContentsManager that keeps everything in memory, for the non-file contents manager tests.

Real deployments keep notebooks in databases and object stores (pgcontents, s3contents); this is
the smallest such manager that Jupyter Server accepts: text files and notebooks by path, the
folders they imply, and checkpoints through the generic checkpoints API (no file on disk, so no
``_get_os_path``). Started by ``jupyter lab`` with
``--ServerApp.contents_manager_class=support.memory_contents.MemoryContentsManager``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import datetime, timezone
from typing import Any

from jupyter_server.services.contents.checkpoints import Checkpoints, GenericCheckpointsMixin
from jupyter_server.services.contents.manager import ContentsManager
from tornado.web import HTTPError
from traitlets import Type

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


class MemoryCheckpoints(GenericCheckpointsMixin, Checkpoints):
    """Checkpoints as copies kept in memory, read back through ``get_notebook_checkpoint``.

    Paths are keyed without their leading slash: the contents API passes ``/a/b.ipynb``, a handler
    of the manager ``a/b.ipynb``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kept: dict[str, dict[str, tuple[str, Any, str | None, datetime]]] = {}
        self._ids = itertools.count(1)

    def _keep(self, path: str, kind: str, content: Any, fmt: str | None) -> dict[str, Any]:
        cid, when = str(next(self._ids)), datetime.now(timezone.utc)
        self.kept.setdefault(path.strip("/"), {})[cid] = (kind, json.loads(json.dumps(content)), fmt, when)
        return {"id": cid, "last_modified": when}

    def create_file_checkpoint(self, content: Any, format: str, path: str) -> dict[str, Any]:  # noqa: A002
        return self._keep(path, "file", content, format)

    def create_notebook_checkpoint(self, nb: Any, path: str) -> dict[str, Any]:
        return self._keep(path, "notebook", nb, None)

    def _get(self, checkpoint_id: str, path: str) -> tuple[str, Any, str | None, datetime]:
        try:
            return self.kept[path.strip("/")][checkpoint_id]
        except KeyError:
            raise HTTPError(404, f"no checkpoint {checkpoint_id} for {path}") from None

    def get_file_checkpoint(self, checkpoint_id: str, path: str) -> dict[str, Any]:
        _, content, fmt, _ = self._get(checkpoint_id, path)
        return {"type": "file", "content": content, "format": fmt}

    def get_notebook_checkpoint(self, checkpoint_id: str, path: str) -> dict[str, Any]:
        import nbformat

        _, content, _, _ = self._get(checkpoint_id, path)
        return {"type": "notebook", "content": nbformat.from_dict(content)}

    def list_checkpoints(self, path: str) -> list[dict[str, Any]]:
        return [{"id": cid, "last_modified": kept[3]} for cid, kept in self.kept.get(path.strip("/"), {}).items()]

    def delete_checkpoint(self, checkpoint_id: str, path: str) -> None:
        self.kept.get(path.strip("/"), {}).pop(checkpoint_id, None)

    def rename_checkpoint(self, checkpoint_id: str, old_path: str, new_path: str) -> None:
        kept = self.kept.get(old_path.strip("/"), {}).pop(checkpoint_id, None)
        if kept is not None:
            self.kept.setdefault(new_path.strip("/"), {})[checkpoint_id] = kept


class MemoryContentsManager(ContentsManager):
    """Files as text by path, in memory; notebooks are ``.ipynb`` files read with nbformat."""

    checkpoints_class = Type(MemoryCheckpoints, klass=Checkpoints, config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.files: dict[str, str] = {}
        self.folders: set[str] = {""}

    def dir_exists(self, path: str) -> bool:
        return path.strip("/") in self.folders

    def is_hidden(self, path: str) -> bool:
        return False

    def file_exists(self, path: str = "") -> bool:
        return path.strip("/") in self.files

    def _model(self, path: str, kind: str) -> dict[str, Any]:
        text = self.files.get(path, "")
        return {"name": path.rsplit("/", 1)[-1], "path": path, "type": kind, "writable": True, "created": NOW,
                "last_modified": NOW, "mimetype": None if kind != "file" else "text/plain", "content": None,
                "format": None, "size": len(text.encode()), "hash": hashlib.sha256(text.encode()).hexdigest(),
                "hash_algorithm": "sha256"}

    def get(self, path: str, content: bool = True, type: str | None = None, format: str | None = None,  # noqa: A002
            require_hash: bool = False) -> dict[str, Any]:
        import nbformat

        path = path.strip("/")
        if path in self.folders and type in (None, "directory"):
            model = self._model(path, "directory")
            if content:
                children = {p for p in [*self.files, *self.folders] if p and p.rpartition("/")[0] == path}
                model["content"] = [self.get(p, content=False) for p in sorted(children)]
                model["format"] = "json"
            return model
        if path not in self.files:
            raise HTTPError(404, f"No such file: {path}")
        kind = type or ("notebook" if path.endswith(".ipynb") else "file")
        model = self._model(path, kind)
        if content:
            if kind == "notebook":
                nb = nbformat.reads(self.files[path], as_version=4)
                self.mark_trusted_cells(nb, path)
                model.update(content=nb, format="json")
            else:
                model.update(content=self.files[path], format="text")
        return model

    def save(self, model: dict[str, Any], path: str = "") -> dict[str, Any]:
        import nbformat

        path = path.strip("/")
        self.run_pre_save_hooks(model=model, path=path)
        kind = model.get("type")
        if kind == "directory":
            self.folders.add(path)
        elif kind == "notebook":
            nb = nbformat.from_dict(model["content"])
            self.check_and_sign(nb, path)
            self.files[path] = nbformat.writes(nb)
        elif kind == "file":
            if model.get("format") != "text":
                raise HTTPError(400, "this contents manager keeps text files only")
            self.files[path] = str(model["content"])
        else:
            raise HTTPError(400, f"unhandled contents type: {kind}")
        parent = path.rpartition("/")[0]
        while parent and parent not in self.folders:
            self.folders.add(parent)
            parent = parent.rpartition("/")[0]
        return self.get(path, content=False)

    def delete_file(self, path: str) -> None:
        path = path.strip("/")
        if self.files.pop(path, None) is None and path not in self.folders:
            raise HTTPError(404, f"No such file: {path}")
        self.folders.discard(path)

    def rename_file(self, old_path: str, new_path: str) -> None:
        old_path, new_path = old_path.strip("/"), new_path.strip("/")
        if old_path not in self.files:
            raise HTTPError(404, f"No such file: {old_path}")
        self.files[new_path] = self.files.pop(old_path)
