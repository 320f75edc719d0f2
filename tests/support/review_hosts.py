"""One change with review threads on each host, behind one small interface, for the host-neutral
review suite (tests/test_review_hosts.py): the same padded example notebook as a GitHub pull
request (the fake GitHub, a real git repository) and as a GitLab merge request (the fake GitLab).

Each side seeds threads as another reviewer would write them, pushes a new head, and says what the
host now holds, in host-neutral terms (path, side, lines in the side's ``.ipynb`` file, body).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.review_world import OTHER, PATH, REPO, REVIEWER, World, api, dump, json_line, padded

GITLAB_REVIEWER = "glpat-ann"  # the fake GitLab's user "ann"
GITLAB_PROJECT = 7
GITLAB_IID = 5


def example_texts() -> tuple[str, str]:
    """The change's notebook at base and head (``nbformat``'s layout, padded with unchanged cells)."""
    from support.paths import EXAMPLE_NEW, EXAMPLE_OLD

    return dump(padded(EXAMPLE_OLD)), dump(padded(EXAMPLE_NEW))


def hunks_of(old: str, new: str) -> Any:
    """The unified diff's hunks of two texts (3 lines of context, as both fakes and git make them)."""
    from nbreview.threads.hunks import parse_patch

    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3))[2:]
    return parse_patch("".join(x + "\n" for x in lines))


@dataclass
class Held:
    """A comment as the host holds it: its body and where (lines of the new side's file, or None)."""

    body: str
    line: int | None
    start: int | None


class GitHubSide:
    """The pull request in the fake GitHub (``world`` fixture)."""

    name = "github"

    def __init__(self, world: World) -> None:
        self.w = world

    def host(self) -> Any:
        from github import Auth

        from nbreview.hosts.github.client import connect
        from nbreview.hosts.github.review import GitHubReview

        return GitHubReview(connect(self.w.url, Auth.Token(REVIEWER), retries=1, max_rate_wait=0), REPO, self.w.number)

    def texts(self) -> tuple[str, str]:
        return self.w.base_text(), self.w.head_text()

    def seed(self, cell: int, line: int, body: str) -> int:
        """A thread by another reviewer on ``line`` of ``cell`` (new side); its first comment's id."""
        payload = {"body": body, "path": PATH, "line": json_line(self.w.head_text(), cell, line), "side": "RIGHT",
                   "commit_id": self.w.fake.refs[REPO]["refs/heads/feature"]}
        status, data = api(self.w.url, "POST", f"/repos/{REPO}/pulls/{self.w.number}/comments", payload, OTHER)
        assert status == 201, data
        return int(data["id"])

    def push(self, text: str) -> None:
        self.w.push(json.loads(text), "another push")

    def held(self) -> list[Held]:
        return [Held(c.body, c.line, c.start_line) for c in sorted(self.w.fake.review_comments.values(),
                                                                   key=lambda c: c.id)]

    def submitted(self) -> list[str]:
        """The states of the reviews submitted on the change (one per submission)."""
        return [r.state for r in self.w.fake.reviews.values() if r.state != "PENDING"]

    def pr_args(self) -> list[str]:
        """``nbreview pr``'s arguments for this change (its token: ``GITHUB_TOKEN``)."""
        return ["pr", "--repo", REPO, "--pr", str(self.w.number), "--api-url", self.w.url]

    def publications(self) -> int:
        """Requests that published a review (``POST /pulls/{n}/reviews``)."""
        return sum(1 for method, path, _code in self.w.fake.log if method == "POST" and path.endswith("/reviews"))


class GitLabSide:
    """The merge request in the fake GitLab."""

    name = "gitlab"

    def __init__(self, fake: Any, url: str, published: list[int]) -> None:
        self.fake, self.url, self.published = fake, url, published

    @property
    def mr(self) -> Any:
        return self.fake.mrs[GITLAB_IID]

    def host(self) -> Any:
        from nbreview.hosts.gitlab.client import connect
        from nbreview.hosts.gitlab.review import GitLabReview

        return GitLabReview(connect(self.url, GITLAB_REVIEWER), self.url, str(GITLAB_PROJECT), GITLAB_IID)

    def texts(self) -> tuple[str, str]:
        return self.mr.base_files[PATH].decode(), self.mr.head_files[PATH].decode()

    def seed(self, cell: int, line: int, body: str) -> int:
        base, head = self.texts()
        at = json_line(head, cell, line)
        old, new = hunks_of(base, head).pair("new", at)
        v = self.mr.versions[-1]
        position = {"position_type": "text", "base_sha": v.base_sha, "start_sha": v.start_sha,
                    "head_sha": v.head_sha, "old_path": PATH, "new_path": PATH, "old_line": old, "new_line": new}
        return int(self.fake.add_discussion(GITLAB_IID, "bob", body, position=position).id)

    def push(self, text: str) -> None:
        self.fake.push(GITLAB_IID, {PATH: text.encode()})

    def held(self) -> list[Held]:
        out = []
        for n in sorted(self.mr.notes, key=lambda n: n.id):
            pos = n.position or {}
            start = ((pos.get("line_range") or {}).get("start") or {}).get("new_line")
            out.append(Held(n.body, pos.get("new_line") or pos.get("old_line"), int(start) if start else None))
        return out

    def submitted(self) -> list[str]:
        return ["APPROVED"] * len(self.mr.approved_by)

    def pr_args(self) -> list[str]:
        """``nbreview pr``'s arguments for this change (its token: ``NBREVIEW_GITLAB_TOKEN``)."""
        return ["pr", "--gitlab-url", self.url, "--project", str(GITLAB_PROJECT), "--mr", str(GITLAB_IID)]

    def publications(self) -> int:
        """``bulk_publish`` requests made (python-gitlab's, counted as they are sent)."""
        return self.published[0]


@contextmanager
def gitlab_side(tmp: Path) -> Iterator[GitLabSide]:
    """The example change as merge request !5 of project 7, served on loopback."""
    from gitlab.v4.objects import ProjectMergeRequestDraftNoteManager as Drafts

    from fakegitlab import FakeGitLab, serve

    base, head = example_texts()
    fake = FakeGitLab()
    fake.open_mr(GITLAB_IID, {PATH: base.encode()}, {PATH: head.encode()})
    published = [0]
    real = Drafts.bulk_publish

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        published[0] += 1
        return real(self, *args, **kwargs)

    Drafts.bulk_publish = counted  # type: ignore[method-assign]
    try:
        with serve(fake) as url:
            yield GitLabSide(fake, url, published)
    finally:
        Drafts.bulk_publish = real  # type: ignore[method-assign]
