"""The webhook under hostile bodies, against a real `nbreview bot serve` process (gunicorn): oversized
bodies are refused before they are read, unsigned ones are never read, wrongly signed ones are hashed
in chunks under a shared budget of arrived bytes and a time limit, one address cannot hold the server
with slow bodies, and the server's memory stays bounded throughout."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support.bot import BotProcess, bot_env, headers, payload, wait_until

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    tmp = tmp_path_factory.mktemp("limits")
    env = bot_env("http://127.0.0.1:9", f"sqlite://{tmp / 'queue.db'}", "")
    env.pop("GITHUB_APP_PRIVATE_KEY")
    bot = BotProcess(["serve", "--no-worker", "--port", "0", "--web-processes", "2"], env).wait_ready()
    try:
        yield bot
    finally:
        bot.stop()


def send(url: str, head: dict[str, str], length: int, body_bytes: int | None = None) -> int | None:
    """POST a body of ``body_bytes`` zero bytes announced as ``length``; the status, or None if cut off."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
    try:
        lines = ["POST /webhook HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {length}"]
        lines += [f"{k}: {v}" for k, v in head.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunk = b"\0" * (256 * 1024)
        left = length if body_bytes is None else body_bytes
        try:
            while left > 0:
                n = sock.send(chunk[: min(len(chunk), left)])
                left -= n
        except OSError:
            pass  # the server answered and closed without reading the rest: that is the point
        resp = http.client.HTTPResponse(sock)
        try:
            resp.begin()
        except (OSError, http.client.HTTPException):
            return None
        return resp.status
    finally:
        sock.close()


def test_sizes_are_checked_before_the_body_is_read(server: BotProcess) -> None:
    raw = json.dumps(payload()).encode()
    h = headers(raw, "big")
    assert send(server.url, h, 30 * MB, body_bytes=0) == 413  # nothing sent: refused on the header alone
    assert send(server.url, {"X-GitHub-Event": "pull_request"}, 25 * MB, body_bytes=0) == 401  # unsigned: not read
    # chunked (no Content-Length): refused
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", "/webhook", body=iter([raw]), headers={**h, "Transfer-Encoding": "chunked"})
    assert conn.getresponse().status in (400, 411)
    conn.close()


def test_twenty_parallel_25_mb_bodies_keep_memory_bounded(server: BotProcess) -> None:
    base = server.rss_kb()
    statuses: list[int | None] = []
    lock = threading.Lock()

    def one(signed: bool) -> None:
        h = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "x", "Content-Type": "application/json"}
        if signed:
            h["X-Hub-Signature-256"] = "sha256=" + "0" * 64  # well-formed, wrong: the body must be read and hashed
        status = send(server.url, h, 25 * MB)
        with lock:
            statuses.append(status)

    for signed in (False, True):
        threads = [threading.Thread(target=one, args=(signed,)) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    peak = server.rss_kb(peak=True)
    answered = [s for s in statuses if s is not None]
    assert set(answered) <= {401, 408, 503}, statuses  # 408: not all in within the body's 10 s on a busy machine
    assert statuses[20:].count(401) >= 2  # wrongly signed bodies were read and refused
    grown_mb = (peak - base) / 1024  # summed over the 2 web processes, each with its own 64 MB budget
    assert grown_mb < 150, f"server peak grew by {grown_mb:.0f} MB over {base / 1024:.0f} MB"
    # and it still works
    conn = http.client.HTTPConnection(urlsplit(server.url).hostname, urlsplit(server.url).port, timeout=10)
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200


def test_a_stalled_body_times_out_on_one_read(server: BotProcess) -> None:
    """Ten bytes of a declared megabyte, then nothing: the read waits 5 s, no longer, and the answer is 408."""
    import time

    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        head = ["POST /webhook HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {MB}",
                "X-GitHub-Event: pull_request", "X-GitHub-Delivery: stalled", "X-Hub-Signature-256: sha256=" + "1" * 64]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + b"{" * 10)
        t0 = time.monotonic()
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        waited = time.monotonic() - t0
    assert resp.status == 408 and 4.5 < waited < 8, (resp.status, waited)
    def logged() -> list[str]:
        return [d["outcome"] for d in server.events("delivery") if d["delivery"] == "stalled"]

    wait_until(lambda: bool(logged()), 5, "the delivery's log line")
    assert logged() == ["slow-body"]


def test_half_sent_headers_hold_a_thread_for_one_read_time_out_only(server: BotProcess) -> None:
    """Classic slow loris: 80 connections (more than the web processes' 64 threads) send half their
    headers and stop. gunicorn alone would wait for the rest for good, and the server would never answer
    again; with the read time-out each is dropped after 5 s, so service comes back by itself."""
    import time

    parts = urlsplit(server.url)
    held = []
    try:
        for _ in range(80):
            sock = socket.create_connection((parts.hostname, parts.port), timeout=10, source_address=("127.0.0.2", 0))
            sock.sendall(f"POST /webhook HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: 100\r\n".encode())
            held.append(sock)
        time.sleep(12)  # two rounds of 5 s time-outs: every thread is free again
        raw = json.dumps(payload(7)).encode()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        t0 = time.monotonic()
        conn.request("POST", "/webhook", body=raw, headers=headers(raw, "after-half-headers"))
        assert conn.getresponse().status == 202
        assert time.monotonic() - t0 < 1.0
        for sock in held:  # the server has closed every one of them
            sock.settimeout(5)
            assert sock.recv(100) == b""
    finally:
        for sock in held:
            sock.close()


def test_server_answers_readyz_and_metrics(server: BotProcess, tmp_path: Path) -> None:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/readyz")
    assert conn.getresponse().read() and True
    conn.request("GET", "/metrics")
    r = conn.getresponse()
    text = r.read().decode()
    assert r.status == 200 and 'nbreview_deliveries_rejected_total{reason="too-large"}' in text


def test_fifty_slow_bodies_with_wrong_signatures_leave_signed_deliveries_fast(tmp_path: Path) -> None:
    """Slow loris without the secret: 50 connections from another address declare 14-25 MB bodies with a
    wrong signature and trickle a byte every 2 s, reconnecting when cut off. Meanwhile signed deliveries
    from GitHub's address are all queued, p99 < 100 ms; the slow ones are refused (peer cap) or timed out."""
    import statistics
    import time

    env = bot_env("http://127.0.0.1:9", f"sqlite://{tmp_path / 'queue.db'}", "")
    env.pop("GITHUB_APP_PRIVATE_KEY")
    bot = BotProcess(["serve", "--no-worker", "--port", "0", "--web-processes", "2"], env).wait_ready()
    parts = urlsplit(bot.url)
    stop = threading.Event()
    answers: list[int] = []
    connects = [0]

    def loris(k: int) -> None:
        size = (25 * MB, 25 * MB, 14 * MB)[k % 3]
        while not stop.is_set():
            try:
                sock = socket.create_connection((parts.hostname, parts.port), timeout=30,
                                                source_address=("127.0.0.2", 0))
            except OSError:
                time.sleep(0.2)
                continue
            connects[0] += 1
            with sock:
                head = ["POST /webhook HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {size}",
                        "X-GitHub-Event: pull_request", f"X-GitHub-Delivery: loris-{k}",
                        "X-Hub-Signature-256: sha256=" + "0" * 64, "Content-Type: application/json"]
                try:
                    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
                    while not stop.wait(2.0):
                        sock.sendall(b"{")
                except OSError:
                    pass  # cut off by the server
                if stop.is_set():
                    return
                try:
                    sock.settimeout(5)
                    resp = http.client.HTTPResponse(sock)
                    resp.begin()
                    answers.append(resp.status)
                except (OSError, http.client.HTTPException):
                    pass

    attackers = [threading.Thread(target=loris, args=(k,), daemon=True) for k in range(50)]
    latencies: list[float] = []
    statuses: list[int] = []
    try:
        for t in attackers:
            t.start()
        time.sleep(1.0)  # every slow connection is open and waiting
        deadline = time.monotonic() + 13  # longer than a body's time limit: timed-out ones come back
        n = 0
        while time.monotonic() < deadline:
            raw = json.dumps(payload(1 + n % 20, head=f"{n:040x}")).encode()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            t0 = time.perf_counter()
            conn.request("POST", "/webhook", body=raw, headers=headers(raw, f"real-{n}"))
            statuses.append(conn.getresponse().status)
            latencies.append(time.perf_counter() - t0)
            conn.close()
            n += 1
            time.sleep(0.02)
    finally:
        stop.set()
        for t in attackers:
            t.join(10)
        bot.stop()
    assert set(statuses) == {202}, statuses
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    print(f"{len(latencies)} signed deliveries beside 50 slow ones ({connects[0]} connections): "
          f"p50 {1000 * statistics.median(latencies):.1f} ms, p99 {1000 * p99:.1f} ms; "
          f"slow ones got {sorted(set(answers))}")
    assert len(latencies) > 200 and p99 < 0.1, (len(latencies), statistics.median(latencies), p99)
    # the slow ones were turned away (peer cap) or cut off (the body's time limit), and they came back
    assert connects[0] > 50 and answers and set(answers) <= {503, 408}, (connects, answers)
    wait_until(lambda: len(bot.events("delivery")) >= len(latencies), 10, "every delivery's log line")
    rejected = [d["outcome"] for d in bot.events("delivery") if d["status"] >= 400]
    assert "peer-busy" in rejected and "slow-body" in rejected, rejected
