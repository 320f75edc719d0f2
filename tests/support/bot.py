"""Shared pieces of the bot's queue tests: signed deliveries, a real redis-server, bot processes, a
fake GitHub holding many pull requests with several pushes each."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fakegithub import FakeGitHub
from nbreview.bot.worker import WorkerPool
from nbreview.hosts.github.webhook import signature
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD

SECRET = "It's a Secret to Everybody"
REPO = "octo/notebooks"
INSTALLATION = 7


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def payload(
    number: int = 1,
    updated: float | None = None,
    action: str = "synchronize",
    head: str = "0" * 40,
    repo: str = REPO,
) -> dict[str, Any]:
    """The fields of a ``pull_request`` delivery the bot reads (as GitHub's schema requires them)."""
    return {
        "action": action,
        "number": number,
        "pull_request": {"number": number, "updated_at": iso(time.time() if updated is None else updated),
                         "head": {"sha": head}},
        "repository": {"full_name": repo},
        "installation": {"id": INSTALLATION},
    }


def headers(raw: bytes, delivery: str, event: str = "pull_request", secret: str | None = SECRET) -> dict[str, str]:
    h = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if secret is not None:
        h["X-Hub-Signature-256"] = signature(secret.encode(), raw)
    return h


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A real redis-server on a free loopback port (its files in ``folder``); yields its URL, stops it after.

    The port is picked free, then bound by redis-server: another process (a parallel test) can take
    it in between, in which case redis-server exits and another port is tried."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed: run 'make test', which installs it, "
                    "or 'apt-get install redis-server'")
    for _ in range(5):
        port = free_port()
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda p=proc, n=port: _pong(n) or p.poll() is not None, 10, "redis-server to start")
            if proc.poll() is None:
                yield f"redis://127.0.0.1:{port}/0"
                return
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(10)
    raise AssertionError("redis-server did not start on any of 5 free ports")


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class PullHistory:
    number: int
    heads: list[str] = field(default_factory=list)  # every push, oldest first; the last is the branch's head


def fake_with_pulls(n_pulls: int, pushes: int) -> tuple[FakeGitHub, list[PullHistory]]:
    """A fake GitHub whose repository has ``n_pulls`` pull requests, each pushed ``pushes`` times."""
    fake = FakeGitHub()
    st = fake.store
    base_blob = st.put("blob", json.dumps(_without_pictures(EXAMPLE_OLD), indent=1).encode())
    base = st.put_commit(st.build_tree({"a.ipynb": ("100644", base_blob)}), [], "base", when=1_700_000_000)
    refs = {"refs/heads/main": base}
    new_nb = _without_pictures(EXAMPLE_NEW)
    pulls: list[PullHistory] = []
    for n in range(1, n_pulls + 1):
        history = PullHistory(n)
        parent = base
        for k in range(1, pushes + 1):
            nb = json.loads(json.dumps(new_nb))
            nb["cells"].append({"cell_type": "markdown", "id": f"p{n}-{k}", "metadata": {},
                                "source": f"Pull request {n}, push {k}"})
            blob = st.put("blob", json.dumps(nb, indent=1).encode())
            parent = st.put_commit(st.build_tree({"a.ipynb": ("100644", blob)}), [parent], f"push {k}",
                                   when=1_700_000_000 + k)
            history.heads.append(parent)
        refs[f"refs/heads/pr{n}"] = parent
        pulls.append(history)
    fake.add_repo(REPO, refs)
    for h in pulls:
        assert fake.open_pull(REPO, "main", f"pr{h.number}") == h.number
    fake.app_installations[INSTALLATION] = "ghs_installation_token"
    return fake, pulls


def _without_pictures(path: Path) -> dict[str, Any]:
    """The notebook without image outputs: no assets-branch uploads (whose ref races are not under test)."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if not any(k.startswith("image/") for k in o.get("data", {}))]
    return nb  # type: ignore[no-any-return]


def bot_env(api_url: str, queue: str, pem: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBREVIEW_", "GITHUB_"))}
    env.update(
        NBREVIEW_WEBHOOK_SECRET=SECRET,
        GITHUB_APP_ID="12345",
        GITHUB_APP_PRIVATE_KEY=pem,
        GITHUB_API_URL=api_url,
        NBREVIEW_QUEUE=queue,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class BotProcess:
    """``nbreview bot ...`` as a child process; its log lines collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nbreview", "bot", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.url = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            m = re.search(r"listening on (http://[0-9.]+:\d+)/webhook", line)
            if m:
                self.url = m.group(1)
                self._ready.set()
            elif "worker with" in line:
                self._ready.set()

    def wait_ready(self, timeout: float = 30) -> BotProcess:
        if not self._ready.wait(timeout):
            raise AssertionError(f"bot process did not start: {self.lines[-20:]}")
        return self

    def events(self, kind: str) -> list[dict[str, Any]]:
        out = []
        for line in list(self.lines):
            if line.startswith("{"):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if record.get("event") == kind:
                    out.append(record)
        return out

    def pause(self) -> None:
        """SIGSTOP: the process stalls where it is (as in a long GC pause or a frozen VM)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def rss_kb(self, peak: bool = False) -> int:
        """Resident memory of the process and its children (gunicorn's web processes), summed; ``peak``:
        each one's high-water mark (their sum bounds what they held at once)."""
        total = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            pid, ppid = re.search(r"^Pid:\s+(\d+)", text, re.M), re.search(r"^PPid:\s+(\d+)", text, re.M)
            if pid and ppid and str(self.proc.pid) in (pid.group(1), ppid.group(1)):
                m = re.search(r"^%s:\s+(\d+) kB" % ("VmHWM" if peak else "VmRSS"), text, re.M)
                total += int(m.group(1)) if m else 0
        assert total, f"no process {self.proc.pid}"
        return total


@contextmanager
def running(pool: WorkerPool) -> Iterator[WorkerPool]:
    """``pool``'s job threads in the background of the test process, pytest's signal handlers kept.

    Huey's consumer installs its own SIGINT/SIGTERM/SIGHUP handlers when it starts; here they are
    put back at once, so Ctrl-C still stops pytest and nothing in production needs a test switch.
    """
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    pool.start()
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    try:
        yield pool
    finally:
        pool.stop()
