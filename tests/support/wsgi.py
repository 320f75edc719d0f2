"""A WSGI app served on a free 127.0.0.1 port in a thread, for the fakes and pages the tests drive."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port, threaded); yields its origin, then shuts it down."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
