"""The diff driver's helper: one warm process serves a multi-file ``git diff``, prints exactly what
separate drivers print, and is gone (with its socket) when git is."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.git import NBREVIEW, Repo
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD

pytestmark = [
    pytest.mark.skipif(not Path(NBREVIEW).exists(), reason="the nbreview script is not installed"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the helper finds git through /proc"),
]


@pytest.fixture
def changed(tmp_path: Path, env: dict[str, str]) -> Repo:
    """Four example notebooks changed in the work tree, the driver's helper with a private runtime folder."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    root = tmp_path / "repo"
    root.mkdir()
    r = Repo(root, dict(env, XDG_RUNTIME_DIR=str(runtime)))
    r.git("init", "-q", "-b", "main")
    for k in range(4):
        r.write(f"nb{k}.ipynb", EXAMPLE_OLD.read_text())
    r.commit("old")
    for k in range(4):
        r.write(f"nb{k}.ipynb", EXAMPLE_NEW.read_text().replace("monthly", f"monthly ({k})"))
    r.commit("new")
    r.nbreview("git", "install")
    return r


def git_diff(changed: Repo, *args: str, **env: str) -> str:
    proc = subprocess.run(["git", *args, "diff", "HEAD~1", "HEAD"], cwd=changed.root, env=dict(changed.env, **env),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


def helper_sockets(changed: Repo) -> list[str]:
    folder = Path(changed.env["XDG_RUNTIME_DIR"]) / f"nbreview-{os.getuid()}"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def wait_until_gone(changed: Repo) -> list[str]:
    for _ in range(50):
        if not helper_sockets(changed):
            return []
        time.sleep(0.1)
    return helper_sockets(changed)


def test_helper_prints_what_separate_drivers_print_and_leaves_nothing(changed: Repo) -> None:
    alone = git_diff(changed, NBREVIEW_DRIVER_HELPER="0")
    assert [line for line in alone.splitlines() if line.startswith("nbreview a/")] == [
        f"nbreview a/nb{k}.ipynb → b/nb{k}.ipynb" for k in range(4)]
    assert git_diff(changed) == alone
    assert wait_until_gone(changed) == []  # the helper exits with its git and removes its socket
    coloured = git_diff(changed, "-c", "color.ui=always")
    assert "\x1b[" in coloured and coloured == git_diff(changed, "-c", "color.ui=always", NBREVIEW_DRIVER_HELPER="0")
    assert wait_until_gone(changed) == []
    assert not [cmd for cmd in command_lines() if "git-diffdriver" in cmd and "nb0.ipynb" in cmd]


def command_lines() -> list[str]:
    """Every running process's command line (what ps shows), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


def test_a_folder_others_can_write_means_no_helper(changed: Repo) -> None:
    folder = Path(changed.env["XDG_RUNTIME_DIR"]) / f"nbreview-{os.getuid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    assert git_diff(changed) == git_diff(changed, NBREVIEW_DRIVER_HELPER="0")
    assert helper_sockets(changed) == []  # never created there


def test_driver_arguments_are_one_list() -> None:
    from nbreview.cli.git_diffdriver_cmd import POSITIONAL
    from nbreview.git.diffdriver import POSITIONAL as FIELDS

    assert POSITIONAL == FIELDS


def test_git_log_ext_diff_shares_one_helper_across_commits(changed: Repo) -> None:
    for k in range(2):
        changed.write(f"nb{k}.ipynb", EXAMPLE_OLD.read_text().replace("sales", f"sales {k}"))
        changed.write(f"nb{k + 2}.ipynb", EXAMPLE_OLD.read_text().replace("sales", f"sales {k + 2}"))
        changed.commit(f"third {k}")

    def log(**env: str) -> str:
        proc = subprocess.run(["git", "log", "-p", "--ext-diff", "-3"], cwd=changed.root, env=dict(changed.env, **env),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    alone = log(NBREVIEW_DRIVER_HELPER="0")
    assert alone.count("nbreview a/") == 8
    assert log() == alone
    assert wait_until_gone(changed) == []


def test_a_helper_that_cannot_answer_means_working_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import threading

    from nbreview.git import helper

    monkeypatch.setattr(helper, "git_process", lambda: (4242, "77"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("GIT_DIFF_PATH_TOTAL", "3")
    monkeypatch.setenv("GIT_DIFF_PATH_COUNTER", "2")
    path = helper.socket_path((4242, "77"))
    assert path is not None and path.endswith("/diff-4242-77.sock")
    assert helper.ask_helper(["x"] * 7, 80) is None  # no helper
    Path(path).write_text("")  # a stale file where the socket was
    assert helper.ask_helper(["x"] * 7, 80) is None
    os.unlink(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)

        def garbage() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(1 << 20)
                conn.sendall(b"not the helper\n")

        thread = threading.Thread(target=garbage)
        thread.start()
        assert helper.ask_helper(["x"] * 7, 80) is None  # an answer without the helper's greeting
        thread.join()
