"""A pull request's notebooks through GitHub's REST API: the files list, the merge base, the blobs.

Nothing is checked out: each notebook is read through the contents API (the blobs API past
1 MB) at the merge base and the head commit. ``nbreview pr``, the bot and the review page all
read a pull request here, into :class:`~nbreview.hosts.notebooks.ChangedNotebook`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nbreview.hosts.github.client import ApiReader, GitHubError
from nbreview.hosts.notebooks import ChangedNotebook, is_notebook

if TYPE_CHECKING:
    from github.Repository import Repository


def read_file(repo: Repository, path: str, ref: str) -> bytes:
    """Bytes of ``path`` at ``ref``; the contents API carries no content past 1 MB, so use the blob then."""
    contents = repo.get_contents(path, ref=ref)
    if isinstance(contents, list):
        raise GitHubError(f"{path} is a directory at {ref[:7]}")
    raw = contents.raw_data
    content = raw.get("content") or ""
    if raw.get("encoding") == "base64" and (content or not contents.size):
        return base64.b64decode(content)
    blob = repo.get_git_blob(contents.sha)
    if blob.encoding != "base64":
        return blob.content.encode("utf-8")
    return base64.b64decode(blob.content)


def merge_base(repo: Repository, base_tip: str, head: str) -> str:
    """What the pull request's diff is relative to: the merge base, as GitHub shows it (else the base's tip)."""
    from github import GithubException

    try:
        return str(repo.compare(base_tip, head).merge_base_commit.sha)
    except GithubException:
        return base_tip


def read_notebooks(
    repo: Repository, reader: ApiReader, pr_url: str, base: str, head: str, max_notebooks: int,
    log: Callable[[str], None],
) -> tuple[list[ChangedNotebook], int]:
    """Every notebook the pull request changes, both sides read (one unreadable file keeps its error
    and the others are read anyway); and how many more were left out past ``max_notebooks``."""
    from github import GithubException, RateLimitExceededException

    files = [f for f in reader.list(f"{pr_url}/files")
             if is_notebook(str(f["filename"]), str(f.get("previous_filename") or "")) and f["status"] != "unchanged"]
    out: list[ChangedNotebook] = []
    for f in files[:max_notebooks]:
        name = str(f["filename"])
        nb = ChangedNotebook(name, str(f.get("previous_filename") or name), str(f["status"]), f.get("patch"))
        try:
            nb.old = b"" if nb.status == "added" else read_file(repo, nb.old_path, base)
            nb.new = b"" if nb.status == "removed" else read_file(repo, name, head)
        except GithubException as err:
            # one unreadable file (too large for the API, gone meanwhile) must not sink the others
            if err.status not in (403, 404, 422) or isinstance(err, RateLimitExceededException):
                raise
            nb.error = f"could not be read through the API ({err.status}: {_said(err)})"
        out.append(nb)
    if len(files) > max_notebooks:
        log(f"nbreview: more than {max_notebooks} notebooks; reading the first {max_notebooks}")
    return out, max(0, len(files) - max_notebooks)


def _said(err: Any) -> str:
    data = getattr(err, "data", None)
    return str(data.get("message", "")) if isinstance(data, dict) else ""
