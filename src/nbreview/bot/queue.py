"""The bot's durable job queue: Huey over a SQLite file or Redis, plus the per-PR bookkeeping Huey lacks.

Huey (``SqliteHuey`` / ``RedisHuey``) carries the job messages, schedules retries and runs the
consumer; both backends share one code path because everything here goes through Huey's storage
API (``put_if_empty``, ``pop_data``, ``put_data``, ``result_items``), which both implement atomically.
Four small key-value areas live in the same store, next to the queue:

``deliveries``
    The dedupe log: ``X-GitHub-Delivery`` ids already accepted, on any machine.
``queued``
    One marker per pull request that has a job waiting. A delivery that finds the marker set is
    *coalesced* into the waiting job; the job pops the marker just before it reads the pull request,
    so every delivery is followed by at least one read of GitHub made after it arrived.
``leases``
    One lease per pull request being worked on (owner, expiry, the job). Huey removes a message from
    the queue when a worker takes it and has no visibility timeout, so this is the small layer that
    gives one: a lease is renewed by a heartbeat while the job runs and deleted only once the comment
    is written. A worker killed mid-job stops renewing it; the reaper in any live worker sees it
    expire and queues the job again, and the next worker takes the expired lease over. Every change
    to a lease is a compare-and-set against the value its holder last wrote (a Lua script on Redis,
    one ``UPDATE ... WHERE value = ?`` on SQLite): a worker that stalled past its lease finds it
    taken at its next renew, marks it lost, and its job stops before writing anything.
``dead``
    Jobs that failed for good (a permanent error, or transient ones past the retry limit), kept for
    ``nbreview bot jobs``.

Clocks: lease expiry compares wall-clock times written by different machines, so they need to be
in sync to within a fraction of the lease (NTP does this).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nbreview.bot.errors import BotError
from nbreview.hosts.protocol import Change

QUEUE_ENV = "NBREVIEW_QUEUE"
TASK_NAME = "nbreview_refresh_pull_request"


def require_bot_extra() -> None:
    """A clear error when the ``bot`` extra (gunicorn, Huey, redis, prometheus_client) is not installed."""
    from importlib.util import find_spec

    missing = [name for name in ("huey", "redis", "prometheus_client", "gunicorn") if find_spec(name) is None]
    if missing:
        raise BotError(f"the bot needs {', '.join(missing)}: pip install 'nbreview[bot]'")


def default_queue_url() -> str:
    """``$NBREVIEW_QUEUE``, else a SQLite file in the user's state directory."""
    explicit = os.environ.get(QUEUE_ENV)
    if explicit:
        return explicit
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return f"sqlite://{state / 'nbreview' / 'queue.db'}"


def parse_queue_url(url: str) -> tuple[str, str]:
    """``("sqlite", path)`` or ``("redis", url)``; a clear error for anything else."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = parts.netloc + parts.path
        if not path:
            raise BotError(f"--queue {url}: give the database file, e.g. sqlite:///var/lib/nbreview/queue.db")
        return "sqlite", path
    if parts.scheme in ("redis", "rediss", "unix"):
        return "redis", url
    raise BotError(f"--queue {url}: use sqlite:///PATH or redis://HOST:PORT/DB")


@dataclass(frozen=True)
class JobSpec:
    """What a job needs to refresh one pull request's comment, and where the request came from."""

    repo: str
    number: int
    installation: int
    delivery: str = ""
    head: str = ""
    event: str = "pull_request"
    host: str = "github"  # the adapter (nbreview.hosts) whose change this is

    @property
    def key(self) -> str:
        """The change's lease and coalescing key: ``OWNER/NAME#N`` on GitHub, ``HOST:PROJECT#N`` elsewhere."""
        return f"{self.repo}#{self.number}" if self.host == "github" else f"{self.host}:{self.repo}#{self.number}"

    @property
    def change(self) -> Change:
        """The change request the job refreshes, as its host adapter takes it."""
        return Change(self.host, self.repo, self.number, self.head, self.installation)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        return cls(
            repo=str(data["repo"]),
            number=int(data["number"]),
            installation=int(data["installation"]),
            delivery=str(data.get("delivery", "")),
            head=str(data.get("head", "")),
            event=str(data.get("event", "pull_request")),
            host=str(data.get("host", "github")),
        )


def _dump(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _load(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(bytes(raw))
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


_CAS_LUA = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur ~= ARGV[2] then return 0 end
if ARGV[4] == '1' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
"""


_INTAKE_LUA = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[4]) == 0 then return 1 end
redis.call('LPUSH', KEYS[3], ARGV[5])
return 2
"""


@dataclass
class Lease:
    """This worker's hold on one pull request (see the module docstring): the value it last wrote, and
    whether it has lost it (a renew found someone else's value: from then on it writes nothing)."""

    key: str
    owner: str
    job: dict[str, Any]
    value: bytes = b""
    expires: float = 0.0
    lost: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, queue: JobQueue, margin: float) -> None:
        """Raise :class:`LeaseLost` unless the lease is still ours for at least ``margin`` more seconds
        (renewed here: a write that follows finishes while no other worker can hold the pull request)."""
        if not queue.renew(self) or self.expires - time.time() < margin:
            raise LeaseLost(f"{self.key}: the lease was lost (another worker has taken the pull request over)")


class LeaseLost(BotError):
    """This worker's lease expired and was taken over: the job stops before writing anything."""


class JobQueue:
    """The Huey instance for ``url`` and the bookkeeping areas next to it (one code path for both backends)."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "nbreview",
        lease_seconds: float = 30.0,
        stuck_seconds: float = 300.0,
    ) -> None:
        require_bot_extra()
        from huey import RedisHuey, SqliteHuey
        from huey.storage import SqliteStorage

        class _Sqlite(SqliteStorage):  # type: ignore[misc]
            """WAL with ``synchronous=NORMAL``: a commit survives the process being killed (not a power cut),
            without an fsync per write, which would cap the webhook at a few hundred writes a second."""

            def _create_connection(self) -> Any:
                conn = super()._create_connection()
                conn.execute("pragma synchronous=NORMAL")
                return conn

        kind, where = parse_queue_url(url)
        self.url = url
        self.kind = kind
        self.lease_seconds = lease_seconds
        self.stuck_seconds = stuck_seconds
        self.owner_prefix = f"{socket.gethostname()}:{os.getpid()}"
        storage_kwargs: dict[str, Any]
        if kind == "sqlite":
            try:
                Path(where).parent.mkdir(parents=True, exist_ok=True)
                self.huey = SqliteHuey(name, filename=where, results=False, storage_class=_Sqlite)
            except (OSError, Exception) as err:  # sqlite3.OperationalError: not a database, read-only, ...
                raise BotError(f"--queue {url}: cannot open the SQLite queue: {err}") from None
            storage_kwargs = {"filename": where}
        else:
            # BRPOP with a short timeout: a worker notices a stop request within a second
            self.huey = RedisHuey(name, url=where, results=False, read_timeout=1)
            storage_kwargs = {"connection_pool": self.huey.storage.pool}
        storage_class = type(self.huey.storage)
        self.deliveries = storage_class(f"{name}_deliveries", **storage_kwargs)
        self.queued = storage_class(f"{name}_queued", **storage_kwargs)
        self.leases = storage_class(f"{name}_leases", **storage_kwargs)
        self.dead = storage_class(f"{name}_dead", **storage_kwargs)
        self.runner: Callable[[dict[str, Any]], str] | None = None
        self._cas_script: Any = None
        self._intake_script: Any = None
        self.task = self.huey.task(name=TASK_NAME)(self._execute)

    def _execute(self, job: dict[str, Any]) -> str:
        """The Huey task: hand the job to this process's runner (set by a worker, never by a web-only node)."""
        if self.runner is None:
            raise RuntimeError("no job runner in this process")
        return self.runner(job)

    # ---------------------------------------------------------------- health
    def ping(self) -> None:
        """Raise if the store cannot be reached (``/readyz``)."""
        self.queued.result_store_size()

    def close(self) -> None:
        for storage in (self.huey.storage, self.deliveries, self.queued, self.leases, self.dead):
            try:
                storage.close()
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass

    # ---------------------------------------------------------------- deliveries
    def record_delivery(self, delivery: str) -> bool:
        """True the first time any machine records ``delivery``."""
        return bool(self.deliveries.put_if_empty(delivery, _dump({"at": time.time()})))

    def forget_delivery(self, delivery: str) -> None:
        """Undo :meth:`record_delivery` when the job could not be queued, so GitHub's redelivery is not refused."""
        self.deliveries.delete_data(delivery)

    def prune_deliveries(self, older_than: float) -> int:
        """Drop dedupe entries older than ``older_than`` seconds (stale redeliveries are refused anyway)."""
        limit = time.time() - older_than
        dropped = 0
        for key, raw in self.deliveries.result_items().items():
            if float(_load(raw).get("at", 0)) < limit:
                dropped += bool(self.deliveries.delete_data(key))
        return dropped

    # ---------------------------------------------------------------- the webhook's one step
    def accept(self, delivery: str, spec: JobSpec) -> str:
        """Record ``delivery`` and queue its job, or join the pull request's waiting one, atomically:
        ``"duplicate"`` (seen before, on any machine), ``"coalesced"`` or ``"queued"``.

        One store round trip per delivery (a Lua script on Redis, one transaction on SQLite) instead
        of three; if it fails, nothing was recorded, so GitHub's redelivery is not refused.
        """
        now = time.time()
        marker = {**asdict(spec), "due": now, "attempts": 0}
        seen, waiting = _dump({"at": now}), _dump(marker)
        message = self.huey.serialize_task(self.task.s(self._job(marker)))
        if self.kind == "redis":
            if self._intake_script is None:
                self._intake_script = self.deliveries.conn.register_script(_INTAKE_LUA)
            keys = [self.deliveries.result_key, self.queued.result_key, self.huey.storage.queue_key]
            done = int(self._intake_script(keys=keys, args=[delivery, seen, spec.key, waiting, message]))
            return ("duplicate", "coalesced", "queued")[done]
        with self.deliveries.db(commit=True) as curs:
            insert = "insert or ignore into kv (queue, key, value) values (?, ?, ?)"
            curs.execute(insert, (self.deliveries.name, delivery, seen))
            if curs.rowcount != 1:
                return "duplicate"
            curs.execute(insert, (self.queued.name, spec.key, waiting))
            if curs.rowcount != 1:
                return "coalesced"
            curs.execute("insert into task (queue, data, priority) values (?, ?, 0)", (self.huey.storage.name, message))
        return "queued"

    # ---------------------------------------------------------------- queueing and coalescing
    def request(self, spec: JobSpec) -> bool:
        """Ask for ``spec``'s pull request to be refreshed: True if a job was queued, False if coalesced."""
        marker = {**asdict(spec), "due": time.time(), "attempts": 0}
        return self._request(spec.key, marker)

    def _request(self, key: str, marker: dict[str, Any], delay: float = 0.0) -> bool:
        marker = {**marker, "due": time.time() + delay}
        if not self.queued.put_if_empty(key, _dump(marker)):
            return False
        try:
            self._enqueue(marker, delay)
        except Exception:
            self.queued.delete_data(key)
            raise
        return True

    @staticmethod
    def _job(marker: dict[str, Any]) -> dict[str, Any]:
        return {k: marker[k] for k in ("repo", "number", "installation", "delivery", "head", "event", "host")
                if k in marker}

    def _enqueue(self, marker: dict[str, Any], delay: float = 0.0) -> None:
        job = self._job(marker)
        if delay > 0:
            self.task.schedule(args=(job,), delay=delay)
        else:
            self.task(job)

    def take(self, key: str) -> dict[str, Any] | None:
        """Pop ``key``'s marker (the job now owns every delivery coalesced so far); None if already taken."""
        from huey.constants import EmptyData

        raw = self.queued.pop_data(key)
        return None if raw is EmptyData else _load(raw)

    def put_back(self, marker: dict[str, Any], delay: float) -> bool:
        """Queue a retry of a popped marker in ``delay`` seconds, unless a newer job is waiting (False)."""
        return self._request(JobSpec.from_dict(marker).key, marker, delay)

    def postpone(self, key: str, delay: float) -> None:
        """Note that the waiting job for ``key`` was rescheduled (the reaper's stuck check uses ``due``);
        compare-and-set, so a marker replaced meanwhile (a newer delivery, a take) is left alone."""
        from huey.constants import EmptyData

        raw = self.queued.peek_data(key)
        if raw is not EmptyData:
            marker = _load(raw)
            marker["due"] = time.time() + delay
            self._swap(self.queued, key, bytes(raw), _dump(marker))

    # ---------------------------------------------------------------- leases
    def acquire(self, key: str, job: dict[str, Any]) -> Lease | None:
        """Take the lease on ``key`` (or an expired one over); None while another worker holds it."""
        from huey.constants import EmptyData

        owner = f"{self.owner_prefix}:{uuid.uuid4().hex[:12]}"
        lease = Lease(key, owner, job)
        value = self._lease_value(lease)
        if self.leases.put_if_empty(key, value):
            lease.value = value
            return lease
        seen = self.leases.peek_data(key)
        if seen is EmptyData or float(_load(seen).get("expires", 0)) > time.time():
            return None
        # expired: its worker died (or stalled); take it over only if it is still what we saw
        if self._swap(self.leases, key, bytes(seen), value):
            lease.value = value
            return lease
        return None

    def _lease_value(self, lease: Lease) -> bytes:
        return _dump({"owner": lease.owner, "expires": time.time() + self.lease_seconds, "job": lease.job})

    def renew(self, lease: Lease) -> bool:
        """Heartbeat: push the expiry on, if the lease is still exactly as this worker last wrote it.

        Compare-and-set: a worker whose lease expired and was taken over can never write it back.
        """
        with lease.lock:
            if lease.lost:
                return False
            value = self._lease_value(lease)
            if self._swap(self.leases, lease.key, lease.value, value):
                lease.value = value
                lease.expires = time.time() + self.lease_seconds
                return True
            lease.lost = True
            return False

    def release(self, lease: Lease) -> None:
        """Delete the lease once the comment is written (or the job is given up), if it is still ours."""
        with lease.lock:
            if not lease.lost:
                self._swap(self.leases, lease.key, lease.value, None)
                lease.lost = True

    def _swap(self, storage: Any, key: str, old: bytes, new: bytes | None) -> bool:
        """Atomically replace ``key``'s value (delete it: ``new`` None) if it is still ``old``.

        Redis: one Lua script on Huey's hash; SQLite: one statement in Huey's exclusive transaction.
        """
        if self.kind == "redis":
            if self._cas_script is None:
                self._cas_script = storage.conn.register_script(_CAS_LUA)
            done = self._cas_script(keys=[storage.result_key],
                                    args=[key, old, b"" if new is None else new, int(new is None)])
            return bool(done)
        with storage.db(commit=True) as curs:
            if new is None:
                curs.execute("delete from kv where queue = ? and key = ? and value = ?", (storage.name, key, old))
            else:
                curs.execute("update kv set value = ? where queue = ? and key = ? and value = ?",
                             (new, storage.name, key, old))
            return bool(curs.rowcount == 1)

    def heartbeat(self, lease: Lease) -> _Heartbeat:
        return _Heartbeat(self, lease)

    # ---------------------------------------------------------------- dead jobs
    def bury(self, marker: dict[str, Any], error: str, attempts: int) -> None:
        """Keep a job that failed for good, for ``nbreview bot jobs``."""
        now = time.time()
        key = f"{JobSpec.from_dict(marker).key}@{now:.6f}"
        self.dead.put_data(key, _dump({**marker, "error": error, "attempts": attempts, "at": now}))

    # ---------------------------------------------------------------- inspection
    def listing(self) -> dict[str, list[dict[str, Any]]]:
        """Queued, running and dead jobs, oldest first."""
        queued = [{"key": k, **_load(v)} for k, v in self.queued.result_items().items()]
        running = [{"key": k, **_load(v)} for k, v in self.leases.result_items().items()]
        dead = [{"key": k, **_load(v)} for k, v in self.dead.result_items().items()]
        queued.sort(key=lambda j: float(j.get("due", 0)))
        running.sort(key=lambda j: float(j.get("expires", 0)))
        dead.sort(key=lambda j: float(j.get("at", 0)))
        return {"queued": queued, "running": running, "dead": dead}

    def counts(self) -> dict[str, int]:
        return {
            "queued": int(self.queued.result_store_size()),
            "running": int(self.leases.result_store_size()),
            "dead": int(self.dead.result_store_size()),
            "messages": int(self.huey.pending_count()) + int(self.huey.scheduled_count()),
        }

    def idle(self) -> bool:
        """Nothing waiting, running or scheduled (tests and graceful shutdown)."""
        c = self.counts()
        return c["queued"] == 0 and c["running"] == 0 and c["messages"] == 0

    # ---------------------------------------------------------------- the reaper
    def reap(self) -> list[str]:
        """Queue again the jobs whose worker died (expired lease) or whose message was lost; returns their keys."""
        now = time.time()
        revived: list[str] = []
        for key, raw in self.leases.result_items().items():
            lease = _load(raw)
            if float(lease.get("expires", 0)) < now and isinstance(lease.get("job"), dict):
                marker = {**lease["job"], "attempts": int(lease["job"].get("attempts", 0))}
                if self._request(key, marker):
                    revived.append(key)
        for key, raw in self.queued.result_items().items():
            marker = _load(raw)
            if marker and float(marker.get("due", 0)) + self.stuck_seconds < now:
                # the message was taken by a worker that died before its lease: send another (a
                # duplicate is harmless: whichever copy pops the marker first does the work)
                marker["due"] = now
                if self._swap(self.queued, key, bytes(raw), _dump(marker)):  # unless taken meanwhile
                    self._enqueue(marker)
                    revived.append(key)
        return revived


class _Heartbeat:
    """Renews a lease every third of its length on a daemon thread while the job runs."""

    def __init__(self, queue: JobQueue, lease: Lease) -> None:
        self.queue = queue
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nbreview-heartbeat", daemon=True)

    def _run(self) -> None:
        interval = max(0.2, self.queue.lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                if not self.queue.renew(self.lease):
                    return  # lease.lost is set: the job's check before writing stops it
            except Exception:  # noqa: BLE001 - a store hiccup: try again at the next beat
                continue

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
