"""A pull request with review threads for the conversation tests: a git repository of the bundled
example notebook (plus unchanged cells far from every change), imported into the fake GitHub.
The ``world`` fixture (tests/conftest.py) serves it on loopback."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.paths import EXAMPLE_NEW, EXAMPLE_OLD

REPO = "octo/notebooks"
PATH = "nb/example.ipynb"
SECOND = "nb/second.ipynb"  # a second notebook of the same change, with build(..., second=True)
REVIEWER = "ghp_reviewer_token_0001"
OTHER = "ghp_other_token_0002"
PADDING = 8  # unchanged cells after the example's, so some lines lie outside every diff hunk


def git(cwd: Path, *args: str) -> str:
    cfg = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *cfg, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def padded(path: Path) -> dict[str, Any]:
    nb = json.loads(path.read_text())
    for k in range(PADDING):
        nb["cells"].append(
            {"cell_type": "code", "execution_count": None, "id": f"pad{k}", "metadata": {}, "outputs": [],
             "source": [f"# unchanged step {k}\n", f"step_{k} = {k} * 2\n", f"print(step_{k})"]}
        )
    return nb


def dump(nb: dict[str, Any]) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"  # nbformat's layout


@dataclass
class World:
    fake: Any
    url: str
    number: int
    repo: Path

    def push(self, nb: dict[str, Any], message: str, path: str = PATH) -> str:
        """Commit ``nb`` on the pull request's branch and move the fake's branch there."""
        (self.repo / path).write_text(dump(nb))
        git(self.repo, "add", path)
        git(self.repo, "commit", "-q", "-m", message)
        refs = self.fake.store.import_git(self.repo)
        self.fake.refs[REPO].update(refs)
        return refs["refs/heads/feature"]

    def head_text(self) -> str:
        return (self.repo / PATH).read_text()

    def base_text(self) -> str:
        return git(self.repo, "show", f"main:{PATH}") + "\n"


def build(tmp: Path, second: bool = False) -> tuple[Path, Any]:
    from fakegithub import FakeGitHub, Token

    repo = tmp / "repo"
    (repo / "nb").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for path in (PATH, SECOND) if second else (PATH,):
        (repo / path).write_text(dump(padded(EXAMPLE_OLD)))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    for path in (PATH, SECOND) if second else (PATH,):
        (repo / path).write_text(dump(padded(EXAMPLE_NEW)))
    git(repo, "commit", "-q", "-am", "update the analysis")
    fake = FakeGitHub()
    fake.add_repo(REPO, fake.store.import_git(repo))
    fake.tokens[REVIEWER] = Token("reviewer", write=True, user_id=51)
    fake.tokens[OTHER] = Token("someone", write=True, user_id=52)
    return repo, fake


def api(url: str, method: str, path: str, body: Any = None, token: str = OTHER) -> tuple[int, Any]:
    """One call to the fake, as a client other than nbreview would make it."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        url + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req) as r:  # noqa: S310 - the fake on 127.0.0.1
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def json_line(text: str, cell: int, line: int) -> int:
    """The JSON line of a notebook's text that holds source line ``line`` of cell ``cell``."""
    from nbreview.threads.jsonmap import NotebookMap

    jl = NotebookMap(text).json_line(cell, line)
    assert jl is not None
    return jl


def seed_comments(fake: Any, number: int, count: int, head_text: str, every_reply: int = 4) -> None:
    """``count`` review comments straight into the fake's state (no HTTP): threads on the lines of the
    diff's hunks, every ``every_reply``-th comment a reply to the one before."""
    import time

    from fakegithub.reviews import ReviewComment, hunks
    from nbreview.threads.jsonmap import NotebookMap

    head = fake.refs[REPO]["refs/heads/feature"]
    base = fake.refs[REPO]["refs/heads/main"]
    old = fake.store.get(fake.store.lookup(base, PATH)[1]) or b""
    lines = sorted(set().union(*(right for _left, right in hunks(old, head_text.encode())[1])))
    cells = {c.start for c in NotebookMap(head_text).cells}
    lines = [ln for ln in lines if ln not in cells] or lines
    now = time.time()
    root = 0
    for k in range(count):
        cid = fake.new_id()
        reply = k % every_reply != 0
        line = lines[k % len(lines)]
        fake.review_comments[cid] = ReviewComment(
            cid, REPO, number, PATH, f"comment {k}", "someone", 52, head, line, "RIGHT", None, None, "line", 0,
            root if reply else None, now, now)
        if not reply:
            root = cid
