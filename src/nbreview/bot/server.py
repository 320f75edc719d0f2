"""The web server for ``nbreview bot serve``: Werkzeug's threaded server, minus its drain of unread bodies.

After every response Werkzeug's development server reads whatever the client is still sending,
10 MB at a time and up to 10 GB, so the client sees the answer instead of a reset. For a webhook
that refuses bodies *before* reading them (too large, unsigned), that would read them anyway and
hold 10 MB per connection while doing so. Here the socket reader is capped: reads are at most 64 KB,
and once the response has been sent at most 1 MB more is drained, then the connection is closed.
"""

from __future__ import annotations

from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler
from werkzeug.serving import make_server as _make_server

READ_MAX = 64 * 1024
DRAIN_MAX = 1024 * 1024


class _CappedReader:
    """The request socket's reader: small reads, and a short drain once the response is out."""

    def __init__(self, raw: Any, handler: _Handler) -> None:
        self._raw = raw
        self._handler = handler
        self._drained = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > READ_MAX:
            size = READ_MAX
        if self._handler.responded:
            if self._drained >= DRAIN_MAX:
                return b""
            size = min(size, DRAIN_MAX - self._drained)
            data: bytes = self._raw.read(size)
            self._drained += len(data)
            return data
        result: bytes = self._raw.read(size)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _Handler(WSGIRequestHandler):
    responded = False

    def setup(self) -> None:
        super().setup()
        self.rfile = _CappedReader(self.rfile, self)  # type: ignore[assignment]

    def end_headers(self) -> None:
        super().end_headers()
        self.responded = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None  # the app logs one JSON line per delivery instead


def make_server(host: str, port: int, app: Any) -> BaseWSGIServer:
    """A threaded server for ``app`` on ``host:port`` (port 0: a free one, see ``server_port``)."""
    return _make_server(host, port, app, threaded=True, request_handler=_Handler)
