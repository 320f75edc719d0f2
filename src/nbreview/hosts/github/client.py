"""A PyGithub client set up for the bot: bounded retries, rate limits honoured, errors as one line.

Retries: GitHub's rate limits (403/429 with ``Retry-After``, or ``X-RateLimit-Remaining: 0``
until ``X-RateLimit-Reset``) are waited out up to ``max_rate_wait`` seconds; transient 5xx
answers are retried a few times with backoff. Any other failure becomes a :class:`GitHubError`
with one line that says what to do. The token is never part of a message.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from nbreview.hosts.github.urls import PUBLIC_API
from nbreview.hosts.protocol import HostError

if TYPE_CHECKING:
    from github import Github
    from github.Auth import Auth
    from github.Requester import Requester


class GitHubError(HostError):
    """A GitHub call failed in a way the user has to fix (permissions, names, limits).

    ``transient`` marks failures worth trying again later (rate limits, 5xx after the client's own
    retries, an unreachable API): the bot's job queue retries those with backoff, not the others.
    """


def api_root(explicit: str | None = None) -> str:
    """``--api-url``, else ``GITHUB_API_URL`` (set by GitHub Actions), else the public API."""
    return (explicit or os.environ.get("GITHUB_API_URL") or PUBLIC_API).rstrip("/")


def _is_local(api_url: str) -> bool:
    return (urlsplit(api_url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def connect(api_url: str, auth: Auth | None, *, retries: int = 4, max_rate_wait: float = 900.0) -> Github:
    """A ``Github`` client for ``api_url``, paced as GitHub asks (no pacing against a local server)."""
    import logging

    from github import Github, GithubRetry

    logging.getLogger("github").setLevel(logging.WARNING)  # PyGithub's per-retry INFO lines are noise here

    retry = GithubRetry(
        total=retries,
        connect=2,
        backoff_factor=0.5,
        max_rate_limit_wait=max_rate_wait,
        status_forcelist=[429, *range(500, 600)],
        allowed_methods=frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}),
        raise_on_status=False,
    )
    pacing: dict[str, Any] = {}
    if _is_local(api_url):
        pacing = {"seconds_between_requests": None, "seconds_between_writes": None}
    return Github(base_url=api_url, auth=auth, retry=retry, timeout=30, per_page=100, **pacing)


def token_auth(token_env: str = "GITHUB_TOKEN") -> Auth:
    from github import Auth

    token = os.environ.get(token_env, "").strip()
    if not token:
        raise GitHubError(
            f"no GitHub token: set {token_env} (in a workflow: env: {token_env}: ${{{{ github.token }}}})")
    return Auth.Token(token)


def _message(exc: Any) -> str:
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        msg = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            detail = first.get("message") or first.get("code") if isinstance(first, dict) else str(first)
            if detail:
                msg = f"{msg} ({detail})" if msg else str(detail)
        return msg
    return str(data or "")


def explain(exc: BaseException, doing: str, repo: str = "", *, fork: bool = False) -> GitHubError:
    """One clear line for a failed call; ``doing`` says what we were trying to do."""
    from github import GithubException, RateLimitExceededException
    from requests import exceptions as rq

    where = f" on {repo}" if repo else ""
    if isinstance(exc, RateLimitExceededException):
        return GitHubError(
            f"GitHub rate limit exhausted while {doing}; try again after the reset, or use a token with a higher limit",
            transient=True,
        )
    if isinstance(exc, GithubException):
        status, msg = exc.status, _message(exc)
        said = f': GitHub says "{msg}"' if msg else ""
        if status == 401:
            return GitHubError(
                f"GitHub rejected the token (401) while {doing}{said}; check that it is valid and not expired"
            )
        if status == 403:
            hint = "; give the workflow 'permissions: pull-requests: write' and 'contents: write'"
            if fork:
                hint = (
                    "; this pull request comes from a fork, whose workflows get a read-only token: run nbreview "
                    "from a 'pull_request_target' workflow that checks out nothing from the fork (see the README)"
                )
            return GitHubError(f"GitHub refused {doing}{where} (403){said}{hint}")
        if status == 404:
            return GitHubError(
                f"GitHub found nothing while {doing}{where} (404){said}; check the repository and pull-request "
                "number, and that the token can see the repository"
            )
        if status == 422:
            return GitHubError(f"GitHub could not process {doing}{where} (422){said}")
        if status >= 500 or status == 429:
            return GitHubError(
                f"GitHub kept failing while {doing}{where} ({status}) after several retries; try again later",
                transient=True,
            )
        return GitHubError(f"GitHub answered {status} while {doing}{where}{said}")
    if isinstance(exc, rq.RetryError):
        return GitHubError(
            f"GitHub kept failing while {doing}{where} after several retries; try again later", transient=True
        )
    if isinstance(exc, (rq.ConnectionError, rq.Timeout)):
        return GitHubError(
            f"cannot reach the GitHub API while {doing}: {type(exc).__name__}; check --api-url and the network",
            transient=True,
        )
    return GitHubError(f"{doing}{where} failed: {type(exc).__name__}: {exc}")


class ApiReader:
    """GETs of JSON through one client, cheap on GitHub's budget.

    Lists are read page by page from the list answers themselves (the full objects are in them:
    no per-item completion fetch, unlike PyGithub's ``raw_data`` on paginated items); every
    answer's ``ETag`` is kept and sent back as ``If-None-Match``, so an unchanged page costs a
    304, which GitHub does not count against the rate limit. The rate-limit headers of the last
    answer are kept in ``rate`` and a warning is logged once when under a tenth of the limit.
    """

    def __init__(self, requester: Requester, log: Callable[[str], None] | None = None) -> None:
        self.requester = requester
        self.log = log or (lambda line: None)
        self.rate: dict[str, int] = {}
        self.requests = 0
        self.not_modified = 0
        self._cache: dict[str, tuple[str, Any, str]] = {}  # url -> (etag, data, link)
        self._warned = False

    def get(self, url: str, params: dict[str, Any] | None = None) -> tuple[Any, dict[str, str]]:
        """``url``'s JSON (from the cache on a 304) and the answer's headers, lower-cased."""
        from urllib.parse import urlencode

        key = url + ("?" + urlencode(sorted(params.items())) if params else "")
        cached = self._cache.get(key)
        headers = {"If-None-Match": cached[0]} if cached else {}
        self.requests += 1
        raw_headers, data = self.requester.requestJsonAndCheck("GET", url, parameters=params, headers=headers)
        low = {str(k).lower(): str(v) for k, v in raw_headers.items()}
        self._note_rate(low)
        if cached and (data is None or low.get("status", "").startswith("304")):
            self.not_modified += 1
            return cached[1], {**low, "link": cached[2]}  # a 304 may carry no Link: the page's own
        if low.get("etag"):
            self._cache[key] = (low["etag"], data, low.get("link", ""))
        return data, low

    def list(self, url: str, per_page: int = 100) -> list[Any]:
        """Every item of a paginated list endpoint, following its ``Link: rel="next"``."""
        items: list[Any] = []
        page = 1
        while True:
            data, headers = self.get(url, {"per_page": per_page, "page": page})
            if not isinstance(data, list):
                raise GitHubError(f"GitHub answered {url} with something other than a list")
            items += data
            if 'rel="next"' not in headers.get("link", "") or not data:
                return items
            page += 1

    def _note_rate(self, headers: dict[str, str]) -> None:
        try:
            rate = {k: int(headers[f"x-ratelimit-{k}"]) for k in ("limit", "remaining", "reset")}
        except (KeyError, ValueError):
            return
        self.rate = rate
        if rate["limit"] and rate["remaining"] < rate["limit"] // 10 and not self._warned:
            import time

            self._warned = True
            when = time.strftime("%H:%M", time.localtime(rate["reset"]))
            self.log(f"nbreview: warning: {rate['remaining']} of {rate['limit']} GitHub API requests left "
                     f"until {when}")
