"""The bot's Prometheus metrics (``/metrics``), on a registry of its own per app.

Counters count what this process did (deliveries received, duplicates, jobs done or failed);
under ``nbreview bot serve`` (several gunicorn processes and a worker process) they are kept in
prometheus_client's multiprocess files (``PROMETHEUS_MULTIPROC_DIR``, set by ``serve``), so a
scrape of any process shows the sum over all of them. The queue gauges (queued, running, dead)
are read from the shared store at scrape time, so any web node shows the whole queue, whichever machine runs the jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from nbreview.bot.queue import JobQueue

JOB_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class _QueueCollector:
    """Gauges read from the store when scraped."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def describe(self) -> list[Metric]:
        return []  # no collect() at registration: the store may not be up yet

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        try:
            counts = self.queue.counts()
        except Exception:  # noqa: BLE001 - /readyz reports the store; /metrics still answers
            return
        yield GaugeMetricFamily("nbreview_jobs_queued", "Pull requests with a job waiting", value=counts["queued"])
        yield GaugeMetricFamily("nbreview_jobs_running", "Jobs holding a lease (running)", value=counts["running"])
        yield GaugeMetricFamily("nbreview_jobs_dead", "Jobs kept after failing for good", value=counts["dead"])


class Metrics:
    def __init__(self, queue: JobQueue | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter("nbreview_deliveries_received", "Webhook deliveries received", ["event"], registry=r)
        self.rejected = Counter("nbreview_deliveries_rejected", "Deliveries refused (4xx)", ["reason"], registry=r)
        self.duplicates = Counter("nbreview_deliveries_duplicate", "Deliveries already recorded", registry=r)
        self.enqueued = Counter("nbreview_jobs_enqueued", "Jobs queued by deliveries", registry=r)
        self.coalesced = Counter("nbreview_deliveries_coalesced", "Deliveries folded into a waiting job", registry=r)
        self.done = Counter("nbreview_jobs_done", "Jobs that wrote (or confirmed) the comment", registry=r)
        self.failed = Counter("nbreview_jobs_failed", "Job attempts that failed", ["outcome"], registry=r)
        self.running = Gauge("nbreview_worker_jobs_running", "Jobs running in this process", registry=r,
                             multiprocess_mode="livesum")
        self.seconds = Histogram("nbreview_job_seconds", "Job duration", buckets=JOB_BUCKETS, registry=r)
        self.queue = queue
        if queue is not None:
            r.register(_QueueCollector(queue))

    def finished(self, outcome: str, seconds: float) -> None:
        """Count a job attempt: ``done``, or ``retry`` / ``superseded`` / ``dead``."""
        self.seconds.observe(seconds)
        if outcome == "done":
            self.done.inc()
        else:
            self.failed.labels(outcome).inc()

    def exposition(self) -> tuple[bytes, str]:
        import os

        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            if self.queue is not None:
                registry.register(_QueueCollector(self.queue))
        return generate_latest(registry), CONTENT_TYPE_LATEST
