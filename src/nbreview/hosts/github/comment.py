"""GitHub's side of the pull-request comment: its length limit, the hidden marker that finds the
comment again, how a reviewer fetches a pull request, and where the pictures are served from.

:mod:`nbreview.render.markdown` draws the comment for any host; this adapter fills in
:class:`~nbreview.render.markdown.CommentHost` for GitHub (a GitLab note would add its own).
"""

from __future__ import annotations

from nbreview.hosts.github.urls import raw_base
from nbreview.render.markdown import CommentContext, CommentHost, NotebookChange, RenderedComment
from nbreview.render.markdown import render_comment as render_markdown_comment
from nbreview.render.markdown import render_no_notebooks as render_markdown_no_notebooks

MAX_BODY = 65_536  # GitHub's limit on an issue comment body, in characters
BUDGET = 60_000  # the length aimed for: a longer comment is not read (the one budget of this host)
MARKER = "<!-- nbreview:pr-comment v1 -->"  # hidden; the bot finds its one comment by it (and its login)


def fetch_command(number: int) -> str:
    """The git command that fetches a pull request's head from its base repository."""
    return f"git fetch origin pull/{number}/head"


GITHUB = CommentHost(
    marker=MARKER,
    max_body=MAX_BODY,
    budget=BUDGET,
    fetch_command=fetch_command,
    change_name="pull request",
    sign_off="Posted by nbreview · edited in place on every push",
)


def image_base_url(api_url: str, repo: str, assets_branch: str) -> str:
    """Where the comment's pictures are served from: the assets branch, raw (see :mod:`.assets`)."""
    return raw_base(api_url, repo, assets_branch)


def render_comment(
    changes: list[NotebookChange],
    ctx: CommentContext | None = None,
    *,
    image_base_url: str | None = None,
    budget: int | None = None,
) -> RenderedComment:
    """The pull-request comment as GitHub takes it (under its limit, marker first)."""
    return render_markdown_comment(changes, ctx, host=GITHUB, image_base_url=image_base_url, budget=budget)


def render_no_notebooks(ctx: CommentContext) -> str:
    """The comment once a pull request no longer changes any notebook."""
    return render_markdown_no_notebooks(ctx, GITHUB)
