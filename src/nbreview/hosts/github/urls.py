"""Where things live on a GitHub host, derived from its REST API root (so Enterprise works too).

The rule: ``https://api.github.com`` -> ``https://github.com``; ``https://api.SUB.ghe.com``
-> ``https://SUB.ghe.com``; ``https://HOST/api/v3`` (GitHub Enterprise Server) ->
``https://HOST``; any other root is its own web root. A file on a branch is then shown raw at
``{web}/{owner}/{repo}/raw/{branch}/{path}``, a URL GitHub renders in comments (for private
repositories, to readers who can see the repository).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

PUBLIC_API = "https://api.github.com"


def web_root(api_url: str) -> str:
    parts = urlsplit(api_url.rstrip("/"))
    host, path = parts.netloc, parts.path
    if host == "api.github.com":
        host = "github.com"
    elif host.startswith("api.") and host.endswith(".ghe.com"):
        host = host[len("api.") :]
    if path.endswith("/api/v3"):
        path = path[: -len("/api/v3")]
    return urlunsplit((parts.scheme, host, path, "", "")).rstrip("/")


def raw_base(api_url: str, repo: str, branch: str) -> str:
    """The URL prefix under which files of ``branch`` are served raw."""
    return f"{web_root(api_url)}/{repo}/raw/{quote(branch)}"
