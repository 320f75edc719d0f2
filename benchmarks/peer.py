"""A peer tool's function run in a worker process, cut off (and restarted) past a time limit.

nbdime can take minutes on big notebooks; the benchmarks give it a limit per call and
count a call that does not finish at that limit.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


class PeerWorker:
    """``target(conn)`` answers each message it receives; ``None`` tells it to stop."""

    def __init__(self, target: Callable[[Connection], None]) -> None:
        self.target = target
        self._start()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=self.target, args=(child,), daemon=True)
        self.proc.start()

    def call(self, msg: Any, wait: float) -> Any | None:
        """The worker's answer, or None when it took longer than ``wait`` seconds."""
        self.conn.send(msg)
        if self.conn.poll(wait):
            return self.conn.recv()
        self.proc.kill()
        self.proc.join()
        self._start()
        return None

    def close(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(5)
