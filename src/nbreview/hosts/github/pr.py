"""Update a pull request's one nbreview comment: read the notebooks through the API, render, post.

Nothing is checked out and nothing from the pull request runs: notebook JSON is read through
the contents API (the blobs API for files over 1 MB) at the merge base and the head commit,
diffed, rendered to markdown, its pictures put on the assets branch, and the comment found
again (hidden marker + our own login) and edited, or created the first time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nbreview.hosts.github.client import ApiReader, GitHubError, explain
from nbreview.hosts.github.comment import MARKER, image_base_url, render_comment
from nbreview.hosts.github.notebooks import merge_base, read_file, read_notebooks
from nbreview.render.markdown import CommentContext, NotebookChange, RenderedComment

if TYPE_CHECKING:
    from github import Github
    from github.IssueComment import IssueComment
    from github.PullRequest import PullRequest
    from github.Repository import Repository

    from nbreview.hosts.notebooks import ChangedNotebook

ACTIONS_BOT = "github-actions[bot]"


@dataclass
class Settings:
    api_url: str
    assets_branch: str = "nbreview-assets"
    dry_run: bool = False
    bot_login: str | None = None
    report_url: str | None = None
    budget: int | None = None  # None: GitHub's own (:data:`~nbreview.hosts.github.comment.BUDGET`)
    max_notebooks: int = 50
    log: Callable[[str], None] = field(default=lambda line: stderr_log(line))
    # called with the head about to be shown, just before anything is written (the bot's job checks
    # that it still holds the pull request's lease here, and raises if not)
    before_write: Callable[[str], None] | None = None


def stderr_log(line: str) -> None:
    """The default log: one line on stderr through the terminal guard (file names are a fork's to choose)."""
    from nbreview.render.terminal import log_line

    log_line(line)


@dataclass
class Outcome:
    action: str  # created | edited | unchanged | skipped | superseded | dry-run
    body: str
    comment_url: str | None = None
    images_uploaded: int = 0
    notebooks: int = 0
    rendered: RenderedComment | None = None
    head_sha: str = ""  # the head the comment shows (the bot's job log names it)


# ---------------------------------------------------------------- the comment


def own_login(gh: Github, explicit: str | None) -> str:
    """The login our comments carry: ``--bot-login``, else ``GET /user``, else the Actions bot."""
    from github import GithubException

    if explicit:
        return explicit
    try:
        return str(gh.get_user().login)
    except GithubException as err:
        if err.status == 401:
            raise explain(err, "reading the token's own account") from None
        if os.environ.get("GITHUB_ACTIONS") == "true":
            return ACTIONS_BOT  # GITHUB_TOKEN cannot read /user; its comments are github-actions[bot]'s
        raise GitHubError(
            f"cannot tell which account this token posts as (GET /user answered {err.status}); pass --bot-login"
        ) from None


def find_comments(pr: PullRequest, login: str) -> list[IssueComment]:
    """Our earlier comments: by our login AND starting with the hidden marker (quoted text cannot match)."""
    return [
        c
        for c in pr.get_issue_comments()
        if c.user is not None and c.user.login == login and (c.body or "").startswith(MARKER)
    ]


def update_pull_request(gh: Github, repo_name: str, number: int, settings: Settings) -> Outcome:
    """Render the pull request's notebook changes and create or edit its one comment."""
    from github import GithubException

    log = settings.log
    try:
        repo = gh.get_repo(repo_name)
        pr = repo.get_pull(number)
        head_sha = pr.head.sha
        fork = bool(pr.head.repo and pr.base.repo and pr.head.repo.full_name != pr.base.repo.full_name)
    except GithubException as err:
        raise explain(err, f"reading pull request #{number}", repo_name) from None
    try:
        base_sha = merge_base(repo, pr.base.sha, head_sha)
        reader = ApiReader(pr.requester, settings.log)
        notebooks, skipped = read_notebooks(repo, reader, pr.url, base_sha, head_sha, settings.max_notebooks,
                                            lambda line: None)
    except GithubException as err:
        raise explain(err, f"reading the notebooks of pull request #{number}", repo_name) from None
    changes = [nb.change(base_sha, head_sha) for nb in notebooks]
    for ch in changes:
        settings.log(f"nbreview: {ch.path}: {ch.status}" + (f" (not diffed: {ch.error})" if ch.error else ""))
    ctx = CommentContext(base_sha=base_sha, head_sha=head_sha, report_url=settings.report_url, pr_number=number)
    ctx.threads = open_threads(repo, pr, [nb for nb in notebooks if not nb.error], settings)
    if skipped:
        ctx.notes.append(f"{skipped} more notebooks were not diffed (limit {settings.max_notebooks} per comment).")
    base_url = image_base_url(settings.api_url, repo_name, settings.assets_branch)
    rendered = render_comment(changes, ctx, image_base_url=base_url, budget=settings.budget)

    if settings.dry_run:
        if rendered.images:
            log(f"nbreview: dry run: would upload {len(rendered.images)} pictures to branch {settings.assets_branch}")
        return Outcome("dry-run", rendered.body, notebooks=len(changes), rendered=rendered, head_sha=head_sha)

    login = own_login(gh, settings.bot_login)
    try:
        existing = find_comments(pr, login)
    except GithubException as err:
        raise explain(err, f"listing the comments of pull request #{number}", repo_name, fork=fork) from None
    if not changes and not existing:
        log("nbreview: the pull request changes no notebook; nothing to post")
        return Outcome("skipped", rendered.body, head_sha=head_sha)

    uploaded = 0
    if settings.before_write is not None:
        settings.before_write(head_sha)
    if rendered.images:
        uploaded, rendered = _upload_images(repo, rendered, changes, ctx, settings, fork)
    body = rendered.body + head_marker(head_sha)
    try:
        action, url = _write_comment(repo, pr, login, body, head_sha, settings)
    except GithubException as err:
        raise explain(err, f"writing the comment on pull request #{number}", repo_name, fork=fork) from None
    return Outcome(action, body, url, uploaded, len(changes), rendered, head_sha=head_sha)


HEAD_MARKER = "<!-- nbreview:head {} -->"  # hidden, last line: the head commit the comment shows
_HEAD_SHOWN = re.compile(r"<!-- nbreview:head ([0-9a-f]{40}) -->\s*\Z")


def head_marker(sha: str) -> str:
    return "\n" + HEAD_MARKER.format(sha)


def shown_head(body: str) -> str | None:
    """The head commit a comment of ours shows (its hidden last line), None for older comments."""
    m = _HEAD_SHOWN.search(body)
    return m.group(1) if m else None


def _write_comment(
    repo: Repository, pr: PullRequest, login: str, body: str, head_sha: str, settings: Settings
) -> tuple[str, str | None]:
    """Create or edit the one comment: (action, url). Never replaces a newer head by an older one:
    if the comment (read again just now) shows another head, ours is written only if it is still the
    pull request's head; otherwise a newer push's job has written, or will write, the newer state."""
    log = settings.log
    if settings.before_write is not None:
        settings.before_write(head_sha)
    existing = find_comments(pr, login)
    if existing:
        comment = existing[0]
        for extra in existing[1:]:  # a retried POST may once have left a twin behind
            extra.delete()
        shown = shown_head(comment.body or "")
        if shown is not None and shown != head_sha and repo.get_pull(pr.number).head.sha != head_sha:
            log(f"nbreview: the comment shows {shown[:7]}, newer than {head_sha[:7]}: left as it is")
            return "superseded", comment.html_url
        if comment.body == body:
            log(f"nbreview: comment already up to date: {comment.html_url}")
            return "unchanged", comment.html_url
        comment.edit(body)
        log(f"nbreview: edited comment {comment.html_url}")
        return "edited", comment.html_url
    comment = pr.create_issue_comment(body)
    log(f"nbreview: posted comment {comment.html_url}")
    return "created", comment.html_url


def open_threads(
    repo: Repository, pr: PullRequest, notebooks: list[ChangedNotebook], settings: Settings
) -> dict[str, list[tuple[str, int]]]:
    """Review threads on the notebooks, counted per cell, for the comment's thread list.

    Resolved threads are left out where GitHub's GraphQL API says which they are; without it
    (REST only) every thread counts as open.
    A failure here leaves the list out (with a warning) rather than the whole comment.
    """
    from github import GithubException
    from requests.exceptions import RequestException

    from nbreview.hosts.github.resolved import Resolution
    from nbreview.hosts.github.threads import threads
    from nbreview.threads.place import place, thread_counts

    if not notebooks:
        return {}

    def fetch(path: str, sha: str) -> str | None:
        try:
            return read_file(repo, path, sha).decode("utf-8", "replace")
        except (GithubException, GitHubError):
            return None

    try:  # the list answers hold every comment whole: no per-comment fetch (as raw_data on list items does)
        raw = ApiReader(pr.requester, settings.log).list(f"{pr.url}/comments")
        states = Resolution(pr.requester, repo.full_name, pr.number).read()
    except (GithubException, RequestException, GitHubError) as err:
        settings.log(f"nbreview: warning: {explain(err, 'reading the review threads')}")
        return {}
    resolved = {root: done for root, (_id, done) in states.items()}
    open_ones = [t for t in threads(raw, resolved) if not t.resolved]
    return thread_counts(place(open_ones, [nb.notebook_file() for nb in notebooks], fetch, lambda text: ""))


def _upload_images(
    repo: Repository,
    rendered: RenderedComment,
    changes: list[NotebookChange],
    ctx: CommentContext,
    settings: Settings,
    fork: bool,
) -> tuple[int, RenderedComment]:
    """Put the pictures on the assets branch; without write access, post the comment without them."""
    from github import GithubException

    from nbreview.hosts.github.assets import upload

    for attempt in (1, 2):
        try:
            res = upload(repo, settings.assets_branch, rendered.images)
            settings.log(
                f"nbreview: pictures on {settings.assets_branch}: {res.uploaded} uploaded, {res.existing} already there"
            )
            return res.uploaded, rendered
        except GithubException as err:
            if err.status == 422 and attempt == 1:
                continue  # another run moved the branch meanwhile: read it again and retry once
            if err.status in (403, 404):
                line = str(explain(err, f"writing pictures to branch {settings.assets_branch}", fork=fork))
                settings.log(f"nbreview: warning: {line}")
                ctx.notes.append(
                    f"Pictures were left out: the token cannot write to the `{settings.assets_branch}` branch "
                    "(the workflow needs `permissions: contents: write`)."
                )
                again = render_comment(changes, ctx, image_base_url=None, budget=settings.budget)
                return 0, again
            raise explain(err, f"writing pictures to branch {settings.assets_branch}", fork=fork) from None
    raise AssertionError("unreachable")


def event_target(env: dict[str, str] | None = None) -> tuple[str | None, int | None]:
    """Repository and pull-request number from a GitHub Actions run (``GITHUB_REPOSITORY``, the event file)."""
    import json

    env = dict(os.environ) if env is None else env
    repo = env.get("GITHUB_REPOSITORY") or None
    number: int | None = None
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                event: Any = json.load(fh)
        except (OSError, ValueError):
            event = {}
        if isinstance(event, dict):
            pr = event.get("pull_request") or {}
            issue = event.get("issue") or {}
            raw = pr.get("number") or event.get("number") or (issue.get("number") if "pull_request" in issue else None)
            if isinstance(raw, int):
                number = raw
            base_repo = ((pr.get("base") or {}).get("repo") or {}).get("full_name")
            if base_repo and not repo:
                repo = base_repo
    return repo, number
