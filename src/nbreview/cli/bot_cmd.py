"""``nbreview bot serve|worker|jobs``: the pull-request bot as a GitHub App and/or a GitLab webhook, on a durable
job queue."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.bot.config import AppConfig
    from nbreview.bot.queue import JobQueue

QUEUE_HELP = (
    "job queue: sqlite:///PATH (default: $NBREVIEW_QUEUE, else ~/.local/state/nbreview/queue.db) "
    "or redis://HOST:PORT/DB for several machines"
)
ENV_HELP = (
    "Configuration from the environment: for GitHub NBREVIEW_WEBHOOK_SECRET, GITHUB_APP_ID, "
    "GITHUB_APP_PRIVATE_KEY_PATH (or GITHUB_APP_PRIVATE_KEY); for GitLab NBREVIEW_GITLAB_WEBHOOK_SECRET, "
    "NBREVIEW_GITLAB_TOKEN, NBREVIEW_GITLAB_URL; optionally NBREVIEW_QUEUE, GITHUB_API_URL, "
    "NBREVIEW_ASSETS_BRANCH, NBREVIEW_MAX_DELIVERY_AGE, NBREVIEW_CLOCK_SKEW, NBREVIEW_LEASE_SECONDS, "
    "NBREVIEW_RETRY_BASE, NBREVIEW_BODY_SECONDS (seconds), NBREVIEW_PEER_BODIES."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from nbreview.bot.server import default_processes

    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    serve = sub.add_parser(
        "serve",
        help="receive webhooks (gunicorn), queue the work, and (unless --no-worker) run a worker process beside it",
        description=ENV_HELP,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: a free one, printed)")
    serve.add_argument("--queue", help=QUEUE_HELP)
    serve.add_argument("--no-worker", action="store_true", help="web only: workers run elsewhere (bot worker)")
    serve.add_argument("--workers", type=int, default=2, help="job threads of the worker process (default 2)")
    serve.add_argument("--web-processes", type=int, default=default_processes(),
                       help=f"gunicorn processes taking webhooks (default {default_processes()}: one per core)")
    serve.add_argument("--web-threads", type=int, default=32, help="threads per web process (default 32)")
    worker = sub.add_parser("worker", help="run jobs from the queue (for web nodes started with --no-worker)",
                            description=ENV_HELP)
    worker.add_argument("--queue", help=QUEUE_HELP)
    worker.add_argument("--workers", type=int, default=2, help="job threads (default 2)")
    worker.add_argument("--metrics-port", type=int, help="serve this worker's /metrics on 127.0.0.1:PORT")
    jobs = sub.add_parser("jobs", help="list queued, running and dead jobs")
    jobs.add_argument("--queue", help=QUEUE_HELP)
    jobs.add_argument("--json", action="store_true", help="print the listing as JSON")


def run(args: argparse.Namespace) -> int:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if args.action == "jobs":
        return _jobs(args)
    if args.action == "worker":
        return _worker(args)
    return _serve(args)


def _config(args: argparse.Namespace, *, need_secret: bool, need_app: bool) -> tuple[AppConfig, JobQueue]:
    from nbreview.bot.config import AppConfig
    from nbreview.bot.queue import JobQueue

    config = AppConfig.from_env(need_secret=need_secret, need_app=need_app)
    if args.queue:
        config.queue_url = args.queue
    queue = JobQueue(config.queue_url, lease_seconds=config.lease_seconds)
    try:
        queue.ping()
    except Exception as err:  # noqa: BLE001 - one line, not a traceback
        raise _error(f"--queue {config.queue_url}: cannot reach the job queue: {type(err).__name__}: {err}") from None
    return config, queue


def _error(message: str) -> Exception:
    from nbreview.bot.errors import BotError

    return BotError(message)


def _serve(args: argparse.Namespace) -> int:
    """gunicorn's processes take the webhooks; unless ``--no-worker``, a worker process runs the jobs beside them."""
    import logging
    import os
    import shutil
    import tempfile

    from nbreview.bot.server import serve
    from nbreview.bot.webhook import create_app

    config, queue = _config(args, need_secret=True, need_app=not args.no_worker)
    queue.close()  # each process opens its own connection to the store
    _check_port(args.host, args.port)
    # the counters of every process (web and worker) summed in /metrics: prometheus_client's multiprocess mode
    own_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="nbreview-bot-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    log = logging.getLogger("nbreview.bot")
    master = os.getpid()
    worker = 0 if args.no_worker else _fork_worker(config, args.workers)

    def ready(host: str, port: int) -> None:
        log.info("nbreview bot: listening on http://%s:%d/webhook, queue %s%s", host, port, _safe(config.queue_url),
                 " (web only)" if args.no_worker else f", worker process {worker}")

    try:
        serve(lambda: create_app(config), args.host, args.port, processes=args.web_processes,
              threads=args.web_threads, on_ready=ready)
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        if os.getpid() == master:  # not a gunicorn process forked from here, on its way out
            if worker:
                _stop_worker(worker)
            if own_dir:
                shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _fork_worker(config: AppConfig, threads: int) -> int:
    """Fork the job worker that runs beside ``bot serve``'s web processes; its pid."""
    import os

    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        import signal
        import threading
        import time

        def orphaned() -> None:  # the serve process was killed outright: do not run on without it
            while os.getppid() != 1 and os.getppid() == parent:
                time.sleep(1.0)
            os.kill(os.getpid(), signal.SIGTERM)

        parent = os.getppid()
        threading.Thread(target=orphaned, name="nbreview-orphan-watch", daemon=True).start()
        from nbreview.bot.metrics import Metrics
        from nbreview.bot.queue import JobQueue
        from nbreview.bot.worker import WorkerPool

        queue = JobQueue(config.queue_url, lease_seconds=config.lease_seconds)
        WorkerPool(queue, config, Metrics(queue), threads=threads).run()
        code = 0
    finally:
        os._exit(code)


def _stop_worker(pid: int) -> None:
    """SIGINT (the job in hand finishes), then up to a minute for it to go; SIGKILL after that."""
    import os
    import signal
    import time

    try:
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except ChildProcessError:
        return  # already reaped (gunicorn's master reaps every child that ends)
    except ProcessLookupError:
        return


def _check_port(host: str, port: int) -> None:
    """A clear one-line error when the address is taken (gunicorn would retry for seconds, then exit)."""
    import socket

    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise _error(f"cannot listen on {host}:{port}: {err.strerror}") from None


def _worker(args: argparse.Namespace) -> int:
    import logging

    from nbreview.bot.metrics import Metrics
    from nbreview.bot.worker import WorkerPool

    config, queue = _config(args, need_secret=False, need_app=True)
    metrics = Metrics(queue)
    if args.metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr="127.0.0.1", registry=metrics.registry)
    pool = WorkerPool(queue, config, metrics, threads=args.workers)
    logging.getLogger("nbreview.bot").info(
        "nbreview bot: worker with %d threads on queue %s", args.workers, _safe(config.queue_url)
    )
    pool.run()
    return 0


def _safe(url: str) -> str:
    """The queue URL without a password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _jobs(args: argparse.Namespace) -> int:
    import json
    import sys
    import time

    from nbreview.bot.queue import JobQueue, default_queue_url

    queue = JobQueue(args.queue or default_queue_url())
    try:
        listing = queue.listing()
    except Exception as err:  # noqa: BLE001
        raise _error(f"cannot read the job queue: {type(err).__name__}: {err}") from None
    if args.json:
        json.dump(listing, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    now = time.time()
    out = sys.stdout

    def when(ts: object) -> str:
        try:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(str(ts))))
        except ValueError:
            return "?"

    out.write(f"queued: {len(listing['queued'])}\n")
    for j in listing["queued"]:
        out.write(f"  {j['key']}  attempts {j.get('attempts', 0)}  due {when(j.get('due'))}\n")
    out.write(f"running: {len(listing['running'])}\n")
    for j in listing["running"]:
        left = float(j.get("expires", 0)) - now
        state = f"lease {left:.0f}s left" if left >= 0 else f"lease expired {-left:.0f}s ago (worker gone)"
        out.write(f"  {j['key']}  {j.get('owner', '?')}  {state}\n")
    out.write(f"dead: {len(listing['dead'])}\n")
    for j in listing["dead"]:
        from nbreview.render.terminal import terminal_line

        error = terminal_line(" ".join(str(j.get("error", "")).split()))  # may quote file names of a pull request
        key = str(j["key"]).rsplit("@", 1)[0]
        out.write(f"  {key}  {when(j.get('at'))}  after {j.get('attempts', '?')} attempts: {error}\n")
    return 0
