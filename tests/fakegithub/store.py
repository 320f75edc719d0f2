"""An in-memory git object store with real object ids (sha1 over ``<type> <len>\\0<data>``)."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path


def object_id(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


class Store:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[str, bytes]] = {}

    def put(self, kind: str, data: bytes) -> str:
        sha = object_id(kind, data)
        self.objects[sha] = (kind, data)
        return sha

    def get(self, sha: str, kind: str | None = None) -> bytes | None:
        item = self.objects.get(sha)
        if item is None or (kind is not None and item[0] != kind):
            return None
        return item[1]

    # ---- trees
    def tree_entries(self, sha: str) -> list[tuple[str, str, str]]:
        """(mode, name, sha) of a tree object."""
        data = self.get(sha, "tree")
        if data is None:
            raise KeyError(sha)
        out, pos = [], 0
        while pos < len(data):
            sp = data.index(b" ", pos)
            nul = data.index(b"\0", sp)
            mode = data[pos:sp].decode()
            name = data[sp + 1 : nul].decode()
            out.append((mode, name, data[nul + 1 : nul + 21].hex()))
            pos = nul + 21
        return out

    def put_tree(self, entries: list[tuple[str, str, str]]) -> str:
        def key(e: tuple[str, str, str]) -> bytes:
            return (e[1] + ("/" if e[0] == "40000" else "")).encode()

        data = b"".join(f"{m} {n}\0".encode() + bytes.fromhex(s) for m, n, s in sorted(entries, key=key))
        return self.put("tree", data)

    def flatten(self, tree_sha: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """path -> (mode, sha) of every blob under a tree."""
        out: dict[str, tuple[str, str]] = {}
        for mode, name, sha in self.tree_entries(tree_sha):
            path = prefix + name
            if mode == "40000":
                out.update(self.flatten(sha, path + "/"))
            else:
                out[path] = (mode, sha)
        return out

    def build_tree(self, files: dict[str, tuple[str, str]]) -> str:
        """A nested tree from path -> (mode, sha)."""
        here: list[tuple[str, str, str]] = []
        subdirs: dict[str, dict[str, tuple[str, str]]] = {}
        for path, (mode, sha) in files.items():
            if "/" in path:
                head, rest = path.split("/", 1)
                subdirs.setdefault(head, {})[rest] = (mode, sha)
            else:
                here.append((mode, path, sha))
        for name, sub in subdirs.items():
            here.append(("40000", name, self.build_tree(sub)))
        return self.put_tree(here)

    # ---- commits
    def put_commit(
        self,
        tree: str,
        parents: list[str],
        message: str,
        name: str = "nbreview",
        email: str = "bot@example.com",
        when: int | None = None,
    ) -> str:
        ts = int(time.time()) if when is None else when
        lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
        lines += [f"author {name} <{email}> {ts} +0000", f"committer {name} <{email}> {ts} +0000", "", message]
        return self.put("commit", "\n".join(lines).encode())

    def commit_info(self, sha: str) -> dict[str, object]:
        data = self.get(sha, "commit")
        if data is None:
            raise KeyError(sha)
        head, _, message = data.decode().partition("\n\n")
        info: dict[str, object] = {"parents": [], "message": message}
        for line in head.splitlines():
            key, _, value = line.partition(" ")
            if key == "parent":
                info["parents"].append(value)  # type: ignore[union-attr]
            elif key in ("tree",):
                info[key] = value
            elif key in ("author", "committer"):
                who, _, rest = value.rpartition(">")
                nm, _, em = who.partition(" <")
                info[key] = {"name": nm, "email": em, "ts": int(rest.split()[0])}
        return info

    def lookup(self, commit_sha: str, path: str) -> tuple[str, str] | None:
        tree = str(self.commit_info(commit_sha)["tree"])
        parts = path.strip("/").split("/")
        for i, part in enumerate(parts):
            found = [e for e in self.tree_entries(tree) if e[1] == part]
            if not found:
                return None
            mode, _, sha = found[0]
            if i == len(parts) - 1:
                return mode, sha
            if mode != "40000":
                return None
            tree = sha
        return None

    def ancestors(self, sha: str) -> list[str]:
        seen, order, todo = set(), [], [sha]
        while todo:
            s = todo.pop(0)
            if s in seen:
                continue
            seen.add(s)
            order.append(s)
            todo += list(self.commit_info(s)["parents"])  # type: ignore[arg-type]
        return order

    def import_git(self, repo: Path) -> dict[str, str]:
        """Copy every object of a real git repository; return its refs (name -> sha)."""
        out = subprocess.run(
            ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo, capture_output=True, check=True
        ).stdout
        pos = 0
        while pos < len(out):
            nl = out.index(b"\n", pos)
            sha, kind, size = out[pos:nl].decode().split()
            data = out[nl + 1 : nl + 1 + int(size)]
            got = self.put(kind, data)
            assert got == sha, (got, sha)
            pos = nl + 1 + int(size) + 1
        refs = subprocess.run(
            ["git", "for-each-ref", "--format=%(objectname) %(refname)"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {name: sha for sha, name in (line.split() for line in refs.splitlines())}
