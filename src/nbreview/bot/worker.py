"""A worker process's machinery: Huey's consumer running the jobs, and the reaper beside it."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from nbreview.bot.jobs import RetryPolicy, Runner, Work, host_work, log_event

if TYPE_CHECKING:
    from nbreview.bot.config import AppConfig
    from nbreview.bot.metrics import Metrics
    from nbreview.bot.queue import JobQueue

log = logging.getLogger("nbreview.bot")


class WorkerPool:
    """``threads`` job threads (Huey's consumer) plus a reaper thread that re-queues jobs whose worker died.

    :meth:`run` (the ``worker`` command, the worker process of ``serve``) gives Huey the process's
    signals: SIGINT stops gracefully, SIGTERM at once (an interrupted job is retried through its lease).
    :meth:`start` runs it in the background of another program; Huey then installs its signal
    handlers too (from the main thread), which that program may restore.
    """

    def __init__(
        self,
        queue: JobQueue,
        config: AppConfig,
        metrics: Metrics | None = None,
        *,
        threads: int = 2,
        work: Work | None = None,
    ) -> None:
        self.queue = queue
        self.metrics = metrics
        policy = RetryPolicy(base=config.retry_base, lease_wait=min(1.0, config.lease_seconds / 4))
        queue.runner = Runner(queue, work or host_work(config), metrics, policy)
        self.consumer = queue.huey.create_consumer(
            workers=max(1, threads),
            worker_type="thread",
            periodic=False,
            initial_delay=0.05,
            max_delay=0.5,
            scheduler_interval=1,
        )
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="nbreview-reaper", daemon=True)
        self._prune_every = 600.0
        self._keep_deliveries = config.max_age + 3600.0

    def _reap(self) -> None:
        interval = max(0.25, self.queue.lease_seconds / 3)
        since_prune = 0.0
        while not self._stop.wait(interval):
            try:
                for key in self.queue.reap():
                    log_event("requeued", key=key, reason="lease expired or message lost")
                since_prune += interval
                if since_prune >= self._prune_every:
                    since_prune = 0.0
                    self.queue.prune_deliveries(self._keep_deliveries)
            except Exception as err:  # noqa: BLE001 - the store may be down for a moment
                log.warning("nbreview: reaper: %s: %s", type(err).__name__, err)

    def start(self) -> None:
        logging.getLogger("huey").setLevel(logging.WARNING)
        self.consumer.start()
        self._reaper.start()

    def run(self) -> None:
        """Run until SIGINT/SIGTERM (the ``nbreview bot worker`` command)."""
        logging.getLogger("huey").setLevel(logging.WARNING)
        self._reaper.start()
        try:
            self.consumer.run()
        finally:
            self._stop.set()

    def stop(self, graceful: bool = True) -> None:
        self._stop.set()
        self.consumer.stop(graceful=graceful)
        if self._reaper.is_alive():
            self._reaper.join(5)
