"""A python-gitlab client for nbreview: token in the ``PRIVATE-TOKEN`` header, transient failures
retried, and every failure as one line saying what to do (the token is never part of a message)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from nbreview.hosts.protocol import HostError

if TYPE_CHECKING:
    from gitlab import Gitlab

PUBLIC_URL = "https://gitlab.com"
TOKEN_ENV = "NBREVIEW_GITLAB_TOKEN"
RETRIES = 5


class GitLabError(HostError):
    """A GitLab call failed in a way the user has to fix (token, scope, names), or the server did
    (``transient``: 5xx, 429 or unreachable, after the client's own retries; the bot retries those later)."""


def server_url(explicit: str | None = None) -> str:
    """``--gitlab-url``, else ``CI_SERVER_URL`` (set by GitLab CI, self-managed too), else gitlab.com."""
    return (explicit or os.environ.get("CI_SERVER_URL") or PUBLIC_URL).rstrip("/")


def connect(url: str, token: str | None, *, timeout: float = 30.0) -> Gitlab:
    """A ``Gitlab`` client for the server at ``url`` (its root, not ``/api/v4``), anonymous without a token."""
    try:
        import gitlab
    except ImportError:
        raise GitLabError("GitLab support needs python-gitlab: pip install 'nbreview[gitlab]'") from None

    class Client(gitlab.Gitlab):
        """Transient failures (5xx, refused or dropped connections) retried RETRIES times with backoff,
        about 3 s in all: python-gitlab's default of 10 waits 100 s on an unreachable server. The
        rate-limit headers of the last answer that had them are kept in ``rate``."""

        rate: dict[str, int] = {}  # noqa: RUF012 - replaced, never mutated

        def http_request(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("max_retries", RETRIES)
            result = super().http_request(*args, **kwargs)
            self.rate = rate_of(result.headers) or self.rate
            return result

    return Client(url, private_token=token or None, timeout=timeout, retry_transient_errors=True)


def rate_of(headers: Any) -> dict[str, int]:
    """GitLab's ``RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (Unix time) as ``{"limit",
    "remaining", "reset"}`` (administration/settings/user_and_ip_rate_limits.md "Response headers";
    on GitLab.com every answer has them, user/gitlab_com/rate_limits.md), else ``{}`` (a server
    without rate limits sends none)."""
    try:
        return {k: int(headers[f"RateLimit-{k.title()}"]) for k in ("limit", "remaining", "reset")}
    except (KeyError, ValueError, TypeError):
        return {}


def explain(err: Exception, doing: str, url: str = "", token_env: str = TOKEN_ENV) -> GitLabError:
    """One line for a python-gitlab or network failure while ``doing`` something."""
    import requests
    from gitlab.exceptions import GitlabError

    if isinstance(err, requests.RequestException):
        return GitLabError(f"{doing}: cannot reach {url or 'the GitLab server'} ({type(err).__name__})", transient=True)
    if not isinstance(err, GitlabError):
        return GitLabError(f"{doing}: {err}")
    code = err.response_code
    said = " ".join(str(err.error_message).split())[:200]
    if code == 401:
        return GitLabError(
            f"{doing}: GitLab refused the token (401); set {token_env} to an access token with the api scope"
        )
    if code == 403:
        return GitLabError(f"{doing}: the token may not do this (403: {said}); it needs the api scope and Reporter+")
    if code == 404:
        return GitLabError(f"{doing}: not found (404: {said}); check the project, the merge request and the token")
    return GitLabError(f"{doing}: GitLab answered {code}: {said}", transient=code == 429 or (code or 0) >= 500)
