"""Images for comments, stored on a branch of the repository through the git data API.

GitHub strips ``data:`` URIs from comments, so each picture is committed to an assets branch
(``nbreview-assets`` by default) and linked by its raw URL. The branch is created on first use
with a history of its own (an orphan commit, so it shares nothing with the code); files are
named by the SHA-256 of their bytes, so a file already on the branch is never uploaded again
and a re-run commits nothing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from github.Repository import Repository

README = b"""# nbreview assets

Pictures shown in nbreview's pull-request comments, named by the SHA-256 of their bytes.
This branch has a history of its own; nothing here is code. It can be deleted at any time
(comments made before then lose their pictures).
"""


@dataclass
class UploadResult:
    uploaded: int
    existing: int
    created_branch: bool
    commit: str | None


def upload(repo: Repository, branch: str, files: dict[str, bytes]) -> UploadResult:
    """Put ``files`` (path -> bytes) on ``branch`` in one commit, skipping paths already there."""
    from github import GithubException, InputGitTreeElement

    ref_name = f"heads/{branch}"
    head_sha: str | None
    try:
        ref = repo.get_git_ref(ref_name)
        head_sha = ref.object.sha
    except GithubException as err:
        if err.status != 404:
            raise
        ref, head_sha = None, None
    existing: set[str] = set()
    base_tree = None
    if head_sha is not None:
        commit = repo.get_git_commit(head_sha)
        base_tree = commit.tree
        tree = repo.get_git_tree(commit.tree.sha, recursive=True)
        existing = {e.path for e in tree.tree if e.type == "blob"}
    todo = {p: data for p, data in sorted(files.items()) if p not in existing}
    if not todo:
        return UploadResult(0, len(files), False, head_sha)
    if head_sha is None:
        todo = {"README.md": README, **todo}
    elements = []
    for path, data in todo.items():
        blob = repo.create_git_blob(base64.b64encode(data).decode("ascii"), "base64")
        elements.append(InputGitTreeElement(path, "100644", "blob", sha=blob.sha))
    new_tree = repo.create_git_tree(elements, base_tree) if base_tree is not None else repo.create_git_tree(elements)
    n = len(todo) - (1 if head_sha is None else 0)
    message = f"nbreview: {n} picture{'s' if n != 1 else ''} for pull-request comments"
    parents = [repo.get_git_commit(head_sha)] if head_sha is not None else []
    new_commit = repo.create_git_commit(message, new_tree, parents)
    if ref is None:
        repo.create_git_ref(f"refs/{ref_name}", new_commit.sha)
    else:
        ref.edit(new_commit.sha)
    return UploadResult(n, len(files) - n, head_sha is None, new_commit.sha)
