"""The worker side of the bot: run one change's job under its lease, retry, give up, log.

A job takes the change's lease (or comes back in a moment if another worker has it, so at most
one job per pull or merge request runs at a time), pops the change's queued marker (deliveries
arriving from then on queue the next job), and hands the change to its host's adapter
(:class:`~nbreview.hosts.protocol.NoteHost`: GitHub's in :mod:`nbreview.hosts.github.job`, GitLab's in
:mod:`nbreview.hosts.gitlab.job`), which reads it as it is *now* (the newest head, whatever head the
delivery named), renders and writes the note; only then is the lease released. Just before each
write the adapter calls back, the job renews its lease (compare-and-set) and stops if it has lost
it. Transient host failures (:class:`~nbreview.hosts.protocol.HostError` marked ``transient``:
rate limits, 5xx, unreachable) are retried with exponential backoff; permanent ones and retries
past the limit are kept as dead jobs.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nbreview.bot.errors import BotError
from nbreview.bot.queue import JobQueue, JobSpec, LeaseLost
from nbreview.errors import NbreviewError
from nbreview.hosts.protocol import HostError, NoteHost, Outcome

if TYPE_CHECKING:
    from nbreview.bot.config import AppConfig
    from nbreview.bot.metrics import Metrics

log = logging.getLogger("nbreview.bot")


def log_event(kind: str, **fields: Any) -> None:
    """One JSON line per delivery or job (never a token: only ids, names, shas, timings, outcomes)."""
    import json

    log.info(json.dumps({"event": kind, **fields}, separators=(",", ":"), default=str))


@dataclass
class RetryPolicy:
    """Backoff for transient failures: ``base * 2**(attempt-1)`` seconds (with jitter), up to ``cap``."""

    attempts: int = 5
    base: float = 5.0
    cap: float = 600.0
    lease_wait: float = 1.0  # how soon a job blocked by another worker's lease looks again

    def delay(self, attempt: int) -> float:
        raw = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return float(raw * random.uniform(0.8, 1.2))


# a job's work: refresh the change of the spec, calling the check with the head it is about to
# show just before each write (it raises LeaseLost once another worker has taken the change)
Work = Callable[[JobSpec, Callable[[str], None]], Outcome]


@dataclass
class Runner:
    """Runs jobs for one worker process: ``queue.runner = Runner(...)``."""

    queue: JobQueue
    work: Work
    metrics: Metrics | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __call__(self, job: dict[str, Any]) -> str:
        from huey.exceptions import RetryTask

        spec = JobSpec.from_dict(job)
        lease = self.queue.acquire(spec.key, job)
        if lease is None:
            # another worker has this pull request: look again shortly; deliveries keep coalescing here
            self.queue.postpone(spec.key, self.policy.lease_wait)
            raise RetryTask(delay=self.policy.lease_wait)
        try:
            marker = self.queue.take(spec.key)
            if marker is None:
                return "coalesced"  # a copy of this job already ran (the reaper may send duplicates)
            lease.job = marker
            if not self.queue.renew(lease):  # the lease now carries the popped marker: a crash re-queues it
                self.queue.put_back(marker, 0)  # taken over meanwhile: its new holder gets this request too
                return "lease-lost"
            margin = self.queue.lease_seconds / 2

            def before_write(head: str) -> None:
                lease.check(self.queue, margin)

            with self.queue.heartbeat(lease):
                return self._run(JobSpec.from_dict(marker), marker, before_write)
        finally:
            self.queue.release(lease)  # only now: the comment is written, or the job retried or buried

    def _run(self, spec: JobSpec, marker: dict[str, Any], before_write: Callable[[str], None]) -> str:
        m = self.metrics
        started = time.monotonic()
        attempts = int(marker.get("attempts", 0)) + 1
        fields: dict[str, Any] = {"delivery": spec.delivery, "repo": spec.repo, "pr": spec.number}
        if m is not None:
            m.running.inc()
        try:
            outcome = self.work(spec, before_write)
        except Exception as err:  # noqa: BLE001 - every failure is classified, none kills the worker
            seconds = round(time.monotonic() - started, 3)
            if isinstance(err, LeaseLost):  # stopped before writing: the worker that took over does it
                log_event("job", **fields, head=spec.head, seconds=seconds, attempt=attempts, outcome="lease-lost")
                if m is not None:
                    m.finished("lease-lost", seconds)
                return "lease-lost"
            message = str(err) if isinstance(err, NbreviewError) else f"internal error: {type(err).__name__}: {err}"
            if not isinstance(err, NbreviewError):
                log.exception("nbreview: %s: internal error", spec.key)
            if isinstance(err, HostError) and err.transient and attempts < self.policy.attempts:
                delay = self.policy.delay(attempts)
                # a newer delivery may already have queued the next job: then that one does it
                name = "retry" if self.queue.put_back({**marker, "attempts": attempts}, delay) else "superseded"
                log_event(
                    "job", **fields, head=spec.head, seconds=seconds, attempt=attempts, outcome=name,
                    error=message, retry_in=round(delay, 1),
                )
                if m is not None:
                    m.finished(name, seconds)
                return name
            self.queue.bury(marker, message, attempts)
            log_event("job", **fields, head=spec.head, seconds=seconds, attempt=attempts, outcome="dead", error=message)
            if m is not None:
                m.finished("dead", seconds)
            return "dead"
        finally:
            if m is not None:
                m.running.dec()
        seconds = round(time.monotonic() - started, 3)
        log_event("job", **fields, head=outcome.head_sha or spec.head, seconds=seconds, attempt=attempts,
                  outcome=outcome.action)
        if m is not None:
            m.finished("done", seconds)
        return outcome.action


def host_work(config: AppConfig) -> Work:
    """The real job: the change's host adapter refreshes its note (GitHub as the app's installation,
    GitLab with the configured token)."""
    from nbreview.hosts import note_hosts

    hosts: dict[str, NoteHost] = note_hosts(config)

    def work(spec: JobSpec, before_write: Callable[[str], None]) -> Outcome:
        host = hosts.get(spec.host)
        if host is None:
            raise BotError(f"{spec.key}: no adapter for the host {spec.host!r}")
        return host.refresh(spec.change, before_write)

    return work
