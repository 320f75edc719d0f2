"""Run the review app on a local port until Ctrl-C (or, for the difftool, until the page closes)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nbreview.web.app import create_app, new_token
from nbreview.web.lifecycle import Lifecycle
from nbreview.web.review import PairLike

if TYPE_CHECKING:
    from flask import Flask

    from nbreview.engine.options import DiffOptions

# Difftool: how long after "page closed" we wait for a reload, and how long without any
# heartbeat (browser killed) before giving up. Browsers slow the timers of background tabs to
# one a minute, so the timeout must be well above that.
CLOSE_GRACE = 1.5
HEARTBEAT_TIMEOUT = 150.0
# The difftool and mergetool stop when no page was opened this long after start (say, the
# address went to a terminal nobody reads); NBREVIEW_IDLE_TIMEOUT (seconds) overrides it.
IDLE_TIMEOUT = 900.0


def idle_timeout() -> float:
    """``NBREVIEW_IDLE_TIMEOUT`` in seconds when it is a positive number, else :data:`IDLE_TIMEOUT`."""
    try:
        value = float(os.environ.get("NBREVIEW_IDLE_TIMEOUT", ""))
    except ValueError:
        return IDLE_TIMEOUT
    return value if value > 0 else IDLE_TIMEOUT


def browser_unavailable() -> str:
    """Why no browser can be opened here ("" when one can): what the tools check before waiting on a page.

    ``BROWSER`` set means the user named one. Under SSH the browser would open on the
    remote machine, and on Linux/BSD without ``DISPLAY`` or ``WAYLAND_DISPLAY`` there is
    no screen for one; macOS and Windows always have a browser.
    """
    if os.environ.get("BROWSER"):
        return ""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return "running over SSH"
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no display (DISPLAY and WAYLAND_DISPLAY are unset) and no BROWSER"
    return ""


def _watch_page(life: Lifecycle, stop: threading.Event, shutdown: Any, silence: float, idle: float) -> None:
    """Shut the server down once the page was closed and not reopened, went silent, or never came."""
    started = time.monotonic()
    while not stop.wait(0.25):
        now = time.monotonic()
        with life.lock:
            closed, seen = life.closed_at, life.last_seen
        if (closed and now - closed > CLOSE_GRACE) or (seen and now - seen > silence):
            shutdown()
            return
        if not seen and now - started > idle:
            sys.stderr.write(f"nbreview: no page opened in {idle:g} s; stopping (NBREVIEW_IDLE_TIMEOUT)\n")
            shutdown()
            return


def run_app(app: Flask, life: Lifecycle, *, ip: str, port: int, path: str, token: str, open_browser: bool,
            until_closed: bool, notes: Sequence[str] = (), silence: float = HEARTBEAT_TIMEOUT) -> None:
    """Serve ``app`` on ``ip:port`` until Ctrl-C or SIGTERM (or, ``until_closed``, the page closes).

    Prints ``Serving on http://IP:PORT/<token>{path}`` as the first line of stdout, then ``notes``:
    the token is the secret path prefix every URL of the app sits under (see
    :mod:`nbreview.web.security`).
    Shared by the review page, the difftool and the mergetool. When no browser can be opened
    (see :func:`browser_unavailable`) the address is all there is, and a line says so; with
    ``until_closed``, a page never opened stops the server after :func:`idle_timeout`.
    """
    from werkzeug.serving import make_server

    from nbreview.errors import NbreviewError

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        server = make_server(ip, port, app, threaded=True)
    except OSError as err:
        raise NbreviewError(f"cannot listen on {ip}:{port}: {err.strerror or err}") from err
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        # A polite kill stops like Ctrl-C does: the port is released and the exit is clean.
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    real_port = server.server_port
    host = f"[{ip}]" if ":" in ip else ip
    url = f"http://{host}:{real_port}/{token}{path}"
    why = browser_unavailable() if open_browser else ""
    if why:
        open_browser = False
        notes = [*notes, f"No browser opened ({why}): open the address above yourself."]
    from nbreview.render.terminal import terminal_line

    sys.stdout.write("".join(f"{terminal_line(line)}\n" for line in [f"Serving on {url}", *notes]))
    sys.stdout.flush()
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    stop = threading.Event()
    if until_closed:
        watch = (life, stop, server.shutdown, silence, idle_timeout())
        threading.Thread(target=_watch_page, args=watch, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)  # werkzeug turns Ctrl-C into a clean return
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def serve(
    sources: Sequence[PairLike],
    *,
    open_browser: bool = True,
    difftool: bool = False,
    port: int = 0,
    ip: str = "127.0.0.1",
    options: DiffOptions | None = None,
    pr_session: Any = None,
) -> int:
    """Serve the review page for ``sources`` (notebook pairs); returns the exit status.

    Prints ``Serving on http://IP:PORT/<token>/`` as the first line of stdout.
    """
    token = new_token()
    life = Lifecycle()
    config: dict[str, Any] = {
        "SOURCES": list(sources),
        "TOKEN": token,
        "DIFF_OPTIONS": options,
        "DIFFTOOL": difftool,
        "LIFECYCLE": life,
        "PR_SESSION": pr_session,
        "ALLOWED_HOSTS": [ip] if ip not in ("0.0.0.0", "::") else [],
    }
    app = create_app(config)
    app.extensions["nbreview"]["review"].diffs()  # diff now: errors surface before we serve
    run_app(app, life, ip=ip, port=port, path="/", token=token, open_browser=open_browser, until_closed=difftool,
            notes=[] if difftool else ["Press Ctrl-C to stop."])
    if not difftool:
        sys.stdout.write("Stopped.\n")
        sys.stdout.flush()
    return 0
