"""The production web server for ``nbreview bot serve``: gunicorn, threaded workers, read time-outs.

Why gunicorn with ``gthread`` workers: it is the most used and best kept pre-forking WSGI server,
so several processes share the port and use every core (Waitress and Cheroot serve from one
process, so one GIL caps a node's intake), and its threaded worker parks idle keep-alive
connections in a selector instead of a thread. What it does not do for a webhook that must not be
stalled, this module adds around the app:

* every read of a request's headers and body times out after ``read_timeout`` seconds (the
  socket's timeout, set as soon as a thread takes the connection: gunicorn itself waits without
  one, so half-sent headers would hold a thread for good); the app bounds a body's total time
  (:mod:`.webhook`);
* a request whose body the app refused without reading it (too large, unsigned, over a peer's
  cap, too slow) ends with its connection: the read side is shut once the answer is out, so the
  server neither drains the rest nor keeps a thread waiting for it. So does any connection that
  ends (a header time-out included): gunicorn closes those from its main thread, waiting up to
  2 s for the client to close first, which a slow client never does, and the main thread is the
  one that accepts and dispatches every connection.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

log = logging.getLogger("nbreview.bot")

READ_TIMEOUT = 5.0  # seconds one read of a request body may wait for bytes
CLOSE_KEY = "nbreview.close_connection"  # set in the WSGI environ by the app: do not reuse this connection

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _CloseAfter:
    """The app's response, then the connection's read side shut (unread body bytes are dropped)."""

    def __init__(self, result: Iterable[bytes], sock: socket.socket) -> None:
        self._result = result
        self._sock = sock

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._result)

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()
        try:
            self._sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass  # already gone


def guarded(app: WSGIApp, read_timeout: float = READ_TIMEOUT) -> WSGIApp:
    """``app`` with a read time-out on its request socket and the connection dropped after refusals."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            sock.settimeout(read_timeout)
        result = app(environ, start_response)
        if sock is not None and environ.get(CLOSE_KEY):
            return _CloseAfter(result, sock)
        return result

    return wsgi


def default_processes() -> int:
    """Web processes for this machine: one per core, at least 2 (a stuck process leaves another)."""
    return max(2, min(8, os.cpu_count() or 2))


def serve(
    factory: Callable[[], WSGIApp],
    host: str,
    port: int,
    *,
    processes: int,
    threads: int,
    on_ready: Callable[[str, int], None],
    read_timeout: float = READ_TIMEOUT,
) -> None:
    """Run gunicorn on ``host:port`` until SIGINT/SIGTERM; each process builds its own app with ``factory``.

    ``on_ready(host, port)`` runs in the master once it listens (``port`` 0: the port it was given).
    """
    from gunicorn.app.base import BaseApplication

    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": max(1, processes),
        "worker_class": _timed_worker(read_timeout),
        "threads": max(1, threads),
        "timeout": 30,  # a process that stops answering its master's heartbeat is replaced
        "graceful_timeout": 10,
        "keepalive": 2,
        "limit_request_line": 4094,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None,  # the app logs one JSON line per delivery
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "nbreview-bot-web",
        "when_ready": lambda server: on_ready(host, _bound_port(server)),
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApp:  # in each web process, after the fork
            log_in_background()
            logging.getLogger("gunicorn.error").addFilter(_quiet_timeouts)
            return guarded(factory(), read_timeout)

    Server().run()


def _timed_worker(read_timeout: float) -> type:
    """gunicorn's threaded worker, with the read time-out on a connection's socket before its headers are read."""
    from gunicorn.workers.gthread import ThreadWorker

    class TimedThreadWorker(ThreadWorker):  # type: ignore[misc]
        def handle(self, conn: Any) -> Any:
            init = conn.init

            def init_with_timeout() -> None:
                init()
                conn.sock.settimeout(read_timeout)

            conn.init = init_with_timeout
            result = super().handle(conn)
            if result is False:  # the connection ends: gunicorn's main thread would wait up to 2 s
                try:               # for the client to close; with the read side shut it closes at once
                    conn.sock.shutdown(socket.SHUT_RD)
                except OSError:
                    pass
            return result

    return TimedThreadWorker


def _quiet_timeouts(record: logging.LogRecord) -> bool:
    """Drop gunicorn's traceback for a client whose headers timed out (that is the time-out working)."""
    return not (record.exc_info and isinstance(record.exc_info[1], TimeoutError))


def log_in_background() -> None:
    """Hand this process's log records to a writer thread (the standard library's QueueHandler).

    Each delivery logs one JSON line; written from the request's thread, every line took the
    handler's lock and a write to stderr while the other request threads waited (a fifth of a
    delivery's time in the profile). Lines keep their order; the thread flushes at exit.
    """
    import atexit
    import queue
    from logging.handlers import QueueHandler, QueueListener

    root = logging.getLogger()
    handlers = [h for h in root.handlers if not isinstance(h, QueueHandler)]
    if not handlers:
        return
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = QueueListener(lines, *handlers, respect_handler_level=True)
    for h in handlers:
        root.removeHandler(h)
    root.addHandler(QueueHandler(lines))
    listener.start()
    atexit.register(listener.stop)


def _bound_port(server: Any) -> int:
    for listener in server.LISTENERS:
        name = listener.getsockname()
        if isinstance(name, tuple):
            return int(name[1])
    return 0
