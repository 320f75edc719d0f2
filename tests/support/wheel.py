"""The checkout built as a wheel, one build at a time: pip builds in the checkout itself (build/,
src/*.egg-info), so two parallel test workers building at once would trip over each other."""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from support.paths import ROOT


def build_wheel(out: Path) -> Path:
    """``pip wheel --no-deps`` of the checkout into ``out``; the wheel's path (AssertionError with pip's
    message when the build fails)."""
    key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"nbreview-wheel-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
            capture_output=True, text=True, timeout=300,
        )
    assert proc.returncode == 0, f"pip wheel failed: {proc.stderr[-2000:]}"
    [wheel] = out.glob("nbreview-*.whl")
    return wheel
