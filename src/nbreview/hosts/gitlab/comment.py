"""GitLab's side of the change comment: the note's length limit, its hidden marker, how a reviewer
fetches a merge request, and GitLab's markdown (its references and quick actions kept inert)."""

from __future__ import annotations

from nbreview.render.markdown import CommentContext, CommentHost, NotebookChange, RenderedComment
from nbreview.render.markdown import render_comment as render_markdown_comment

MAX_BODY = 1_000_000  # doc/api/notes.md: a note's body "Limited to 1,000,000 characters"
BUDGET = 60_000  # the length aimed for: a longer comment is not read (the one budget of this host)
MARKER = "<!-- nbreview:mr-note v1 -->"  # hidden; the poster finds its one note by it (and its username)


def fetch_command(iid: int) -> str:
    """The git command that fetches a merge request's head (GitLab keeps ``refs/merge-requests/IID/head``)."""
    return f"git fetch origin merge-requests/{iid}/head"


GITLAB = CommentHost(
    marker=MARKER,
    max_body=MAX_BODY,
    budget=BUDGET,
    fetch_command=fetch_command,
    change_name="merge request",
    sign_off="Posted by nbreview · edited in place on every push",
    inert="gitlab",
)


def render_note(
    changes: list[NotebookChange],
    ctx: CommentContext | None = None,
    *,
    image_base_url: str | None = None,
    budget: int | None = None,
) -> RenderedComment:
    """The merge-request note as GitLab takes it (under its limit, marker first, notebook text inert).
    Pictures are linked by content hash under ``image_base_url`` (:mod:`.mr` swaps in upload URLs)."""
    return render_markdown_comment(changes, ctx, host=GITLAB, image_base_url=image_base_url, budget=budget)
