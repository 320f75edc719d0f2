"""Who may talk to the local review server: one guard for every page, image and write.

The server (``nbreview web``, the difftool page, the mergetool) listens on 127.0.0.1, where
other local users and, above all, *pages from other origins in the user's own browser* can
reach it: any site on another 127.0.0.1 port can submit a form or fire a ``fetch`` at it, and
cookies are not port-scoped, so a cookie set here is sent to every other local port. The
design therefore keeps the secret out of cookies entirely:

- **A secret path.** Every URL of a server sits under ``/<token>/`` (the token is 32 random
  URL-safe characters, new for each run): ``http://127.0.0.1:PORT/<token>/f/0``, its images,
  its static files and its API. A request outside that prefix gets 403 and learns nothing.
  :class:`SecretPrefix` strips the prefix before Flask routes the request (it becomes the
  ``SCRIPT_NAME``), so routes are written without it; links are built from
  ``request.script_root`` or the ``base`` the app keeps in ``app.extensions["nbreview"]``.
  Images and attachments load as plain ``<img src>`` because their URLs carry the secret.
  No cookie is ever set, and nothing is kept in browser storage.
- **Writes need more.** Every request with a method other than GET and HEAD (save, close,
  heartbeat, a posted comment..., and CORS preflights) must also carry the header
  ``X-Nbreview-Token: <token>`` and an ``Origin`` equal to this server's own (scheme, host and
  port of the ``Host`` it was reached at). An HTML form can set neither; a cross-origin
  ``fetch`` that sets the header needs a CORS preflight, which is refused (403, and no
  ``Access-Control-Allow-*`` is ever sent); a browser always sends its real ``Origin`` on a
  POST. So even someone who learned the URL (browser history, a screen share) cannot make a
  page elsewhere save, or shut the mergetool down.
- **The Host header** must name this machine (127.0.0.1, localhost, ::1 or the ``--ip``
  given), against DNS rebinding.
- **Bodies** are read with :func:`read_json`: bounded size, JSON only, valid UTF-8, no lone
  surrogates, bounded nesting, else 400 (415 for another content type, 413 when too large);
  never a 500. Errors are one line of text for pages and ``{"error": ...}`` for writes.

The page's scripts learn the prefix from their own URL and send writes through
``nbreview.post(route, body)`` (``web/static/api.js``, loaded by every server page).

A new write endpoint (e.g. posting a review comment) needs nothing special: every route of an
app that went through :func:`install` (the review app and the mergetool do, in
``create_app``), blueprints included, is behind the guard; the handler reads its body with
:func:`read_json` and the page calls ``nbreview.post("/api/comment", {...})``::

    @app.post("/api/comment")
    def comment() -> Response:
        body = read_json()   # parsed JSON, or the request was already answered 4xx
        ...
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Response, abort, jsonify, request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

TOKEN_HEADER = "X-Nbreview-Token"
SAFE_METHODS = frozenset({"GET", "HEAD"})  # OPTIONS too is guarded: no CORS preflight ever succeeds
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_BODY = 32 * 1024 * 1024  # an edited cell can be big; a request body larger than this is refused (413)
MAX_DEPTH = 64  # how deeply a JSON body may nest; ours nest 3 levels
ERROR_CODES = (400, 403, 404, 405, 413, 415)  # answered as text (pages) or {"error": ...} (writes)
_ENV_OK = "nbreview.secret_prefix"
_SURROGATE = re.compile("[\ud800-\udfff]")


class SecretPrefix:
    """WSGI middleware: a request under ``/<token>/`` has the prefix moved to ``SCRIPT_NAME``.

    Other requests pass through unchanged and unmarked; the Flask guard refuses them (so the
    refusal carries the app's security headers). The comparison is constant-time.
    """

    def __init__(self, app: WSGIApplication, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO") or ""
        first, slash, rest = path[1:].partition("/")
        if path.startswith("/") and hmac.compare_digest(first.encode("utf-8", "surrogateescape"), self.token):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + first
            environ["PATH_INFO"] = "/" + rest if slash else "/"
            environ[_ENV_OK] = True
        return self.app(environ, start_response)


def hostname(host: str) -> str:
    """The host name of a ``Host`` header value, without port or IPv6 brackets, lower-case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if unparsable."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return scheme.lower(), parts.hostname.lower(), port or (443 if scheme.lower() == "https" else 80)


def same_origin(origin: str, scheme: str, host: str) -> bool:
    """Whether an ``Origin`` header names the server reached as ``scheme://host``."""
    given = urlsplit(origin.strip())
    if not given.scheme or given.path or given.query or given.fragment:
        return False
    mine = _origin_key(scheme, host)
    return mine is not None and _origin_key(given.scheme, given.netloc) == mine


def install(app: Flask, token: str, allowed_hosts: Iterable[str] = ()) -> None:
    """Guard ``app``: secret path prefix, Host check, and token header + Origin on writes.

    ``token`` is the per-run secret (at least 16 URL-safe characters); ``allowed_hosts`` adds
    host names to 127.0.0.1/localhost/::1 (the ``--ip`` address). Also caps request bodies at
    :data:`MAX_BODY` and answers errors as one line of text, or ``{"error": ...}`` to a write.
    Call once, before the app serves.
    """
    if len(token) < 16 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise ValueError("the token must be at least 16 URL-safe characters")
    allowed = LOCAL_HOSTS | {h.lower() for h in allowed_hosts}
    secret = token.encode()
    app.wsgi_app = SecretPrefix(app.wsgi_app, token)  # type: ignore[method-assign]
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    @app.before_request
    def guard() -> None:
        if hostname(request.host) not in allowed:
            abort(403, "unexpected Host header")
        if not request.environ.get(_ENV_OK):
            abort(403, "missing or wrong token: open the URL nbreview printed")
        if request.method in SAFE_METHODS:
            return
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret):
            abort(403, f"write refused: the {TOKEN_HEADER} header is missing or wrong")
        origin = request.headers.get("Origin", "")
        if not origin:
            abort(403, "write refused: no Origin header (only this server's own page may write)")
        if not same_origin(origin, request.scheme, request.host):
            abort(403, f"write refused: Origin {origin[:100]} is not this server")

    for code in ERROR_CODES:
        app.register_error_handler(code, _error)


def _error(err: Any) -> tuple[Response, int]:
    """Plain text for pages; ``{"error": ...}`` for writes, which the page's scripts show the user."""
    from flask import current_app

    code = int(getattr(err, "code", 500))
    description = str(getattr(err, "description", ""))
    if code == 413:
        description = f"the body is larger than {int(current_app.config['MAX_CONTENT_LENGTH']):,} bytes"
    if request.method not in SAFE_METHODS:
        return jsonify(error=description), code
    return Response(f"{code} {getattr(err, 'name', 'Error')}: {description}\n", mimetype="text/plain"), code


class BadBody(ValueError):
    """A request body that is not the JSON a write takes; ``status`` is the answer's HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_json(max_depth: int = MAX_DEPTH) -> Any:
    """The request's JSON body, or abort: 415 if not JSON, 413 if too large, 400 if malformed (:func:`parse_json`)."""
    if not request.is_json:
        abort(415, "send the body as application/json")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413
    try:
        return parse_json(raw, max_depth)
    except BadBody as err:
        abort(err.status, str(err))


def parse_json(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """A write's body as JSON, or :class:`BadBody` (400), for any server (Flask here, Jupyter's tornado).

    Malformed covers what would otherwise surface later as a 500: invalid UTF-8 or JSON, a
    lone surrogate (``"\\ud83d"`` is valid JSON but cannot be written out as UTF-8), nesting
    deeper than ``max_depth``, numbers too long to convert.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody(400, "the body is not valid UTF-8") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadBody(400, f"the body nests deeper than {max_depth} levels") from None
    except ValueError as err:  # JSONDecodeError, and ints beyond Python's digit limit
        raise BadBody(400, f"the body is not valid JSON: {str(err)[:200]}") from None
    _check_tree(data, max_depth)
    return data


def _check_tree(data: Any, max_depth: int) -> None:
    """Depth and lone surrogates, walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise BadBody(400, "the body holds a lone surrogate (\\ud800-\\udfff), which is not text")
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                raise BadBody(400, f"the body nests deeper than {max_depth} levels")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)


__all__ = ["TOKEN_HEADER", "MAX_BODY", "MAX_DEPTH", "SAFE_METHODS", "SecretPrefix", "install", "read_json",
           "parse_json", "BadBody", "same_origin", "hostname"]
