"""``nbreview web``, ``nbreview difftool`` (page mode) and ``nbreview diff --html`` as a user runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbreview.render.html import unpack_report
from support.notebooks import code_cell, md_cell, notebook, write_nb
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD, ROOT

NBREVIEW = [sys.executable, "-m", "nbreview"]
URL_LINE = re.compile(r"^Serving on http://127\.0\.0\.1:(\d+)/([A-Za-z0-9_-]{20,})/$")


def start(args: list[str], cwd: Path = ROOT) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, BROWSER="true", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        NBREVIEW + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().rstrip("\n")
    if not first:
        proc.wait(10)
        raise AssertionError(f"no URL printed; stderr: {proc.stderr.read() if proc.stderr else ''}")
    return proc, first


@pytest.fixture()
def procs() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait(10)


def opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener()


def write(op: urllib.request.OpenerDirector, base: str, route: str) -> None:
    """A POST as the page's api.js sends it: the token header and the page's own Origin."""
    origin, token = base.rsplit("/", 1)
    op.open(urllib.request.Request(base + route, data=b"", method="POST",
                                   headers={"X-Nbreview-Token": token, "Origin": origin}), timeout=10)


def test_web_serves_two_files_and_stops_on_ctrl_c(procs: list[subprocess.Popen[str]]) -> None:
    proc, first = start(["web", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--no-browser"])
    procs.append(proc)
    m = URL_LINE.match(first)
    assert m, first
    op = opener()
    page = op.open(first.removeprefix("Serving on "), timeout=30).read().decode()
    assert ">4 modified<" in page and "example/new.ipynb" in page
    origin = f"http://127.0.0.1:{m.group(1)}"
    base = f"{origin}/{m.group(2)}"
    assert op.open(base + "/f/0/img/new/7/0/image/png", timeout=10).read().startswith(b"\x89PNG")
    for url in (origin + "/", origin + "/f/0", f"{origin}/?token={m.group(2)}"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url, timeout=10)
        assert err.value.code == 403
    proc.send_signal(signal.SIGINT)
    out, errout = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "Traceback" not in errout and "Traceback" not in out


def test_web_sigterm_is_clean_too(procs: list[subprocess.Popen[str]]) -> None:
    proc, first = start(["web", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--no-browser"])
    procs.append(proc)
    assert URL_LINE.match(first)
    proc.terminate()
    _, errout = proc.communicate(timeout=15)
    assert proc.returncode == 0 and "Traceback" not in errout


def test_web_warns_about_other_ips(procs: list[subprocess.Popen[str]]) -> None:
    proc, first = start(["web", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--no-browser", "--ip", "0.0.0.0"])
    procs.append(proc)
    assert first.startswith("Serving on http://0.0.0.0:")
    proc.send_signal(signal.SIGINT)
    _, errout = proc.communicate(timeout=15)
    assert "warning: listening on 0.0.0.0" in errout


@pytest.mark.parametrize(
    "args, message",
    [
        (["web", "missing.ipynb", str(EXAMPLE_NEW), "--no-browser"], "missing.ipynb"),
        (["web", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--port", "70000"], "--port 70000"),
        (["mergetool", *[str(EXAMPLE_OLD)] * 3, "merged.ipynb", "--port", "70000"], "--port 70000"),
        (["diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--html", "/nonexistent/dir/out.html"], "cannot write"),
    ],
)
def test_bad_input_is_one_line(args: list[str], message: str) -> None:
    proc = subprocess.run(NBREVIEW + args, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nbreview: error:") and message in lines[0], proc.stderr


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture()
def worktree_repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.com")
    _git(tmp_path, "config", "user.name", "T")
    write_nb(tmp_path / "a.ipynb", notebook([md_cell("# A"), code_cell("x = 1")]))
    write_nb(tmp_path / "b.ipynb", notebook([code_cell("y = 2")]))
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "one")
    write_nb(tmp_path / "a.ipynb", notebook([md_cell("# A changed"), code_cell("x = 1")]))
    write_nb(tmp_path / "b.ipynb", notebook([code_cell("y = 3"), code_cell("z = 4")]))
    (tmp_path / "sub").mkdir()
    write_nb(tmp_path / "sub" / "c.ipynb", notebook([code_cell("new")]))
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "two")
    write_nb(tmp_path / "a.ipynb", notebook([md_cell("# A in the work tree"), code_cell("x = 1")]))
    return tmp_path


def _pages(first: str) -> tuple[urllib.request.OpenerDirector, str, str]:
    url = first.removeprefix("Serving on ")
    op = opener()
    page = op.open(url, timeout=30).read().decode()
    base = url.rstrip("/")  # http://127.0.0.1:PORT/<token>
    return op, base, page


def test_web_between_revisions_lists_every_notebook(worktree_repo: Path, procs: list[subprocess.Popen[str]]) -> None:
    proc, first = start(["web", "HEAD~1", "HEAD", "--no-browser"], cwd=worktree_repo)
    procs.append(proc)
    op, base, page = _pages(first)
    names = re.findall(r'<span class="path">([^<]+)</span>', page)
    assert names == ["a.ipynb", "b.ipynb", "sub/c.ipynb"]
    assert re.findall(r'<span class="note">(\w+)</span>', page) == ["added"]
    third = op.open(base + "/f/2", timeout=10).read().decode()
    assert "1 added" in third
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=15)


def test_web_worktree_and_paths(worktree_repo: Path, procs: list[subprocess.Popen[str]]) -> None:
    proc, first = start(["web", "--no-browser"], cwd=worktree_repo)
    procs.append(proc)
    _, _, page = _pages(first)
    assert "A in the work tree" in page and '<nav class="files"' not in page
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=15)
    proc, first = start(["web", "HEAD~1", "--no-browser", "--", "b.ipynb"], cwd=worktree_repo)
    procs.append(proc)
    _, _, page = _pages(first)
    assert "b.ipynb" in page and "a.ipynb" not in page
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=15)


def test_web_with_nothing_changed_says_so(worktree_repo: Path) -> None:
    proc = subprocess.run(
        NBREVIEW + ["web", "HEAD", "HEAD", "--no-browser"], cwd=worktree_repo, capture_output=True, text=True,
        timeout=60
    )
    assert proc.returncode == 0 and "no notebooks changed" in proc.stderr


def test_difftool_exits_when_the_page_closes(procs: list[subprocess.Popen[str]]) -> None:
    proc, first = start(["difftool", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--no-browser"])
    procs.append(proc)
    assert URL_LINE.match(first), first
    op, base, page = _pages(first)
    assert 'data-difftool="1"' in page
    write(op, base, "/api/heartbeat")
    time.sleep(0.5)
    assert proc.poll() is None, "still serving while the page is open"
    write(op, base, "/api/closed")
    assert proc.wait(15) == 0


def test_difftool_survives_a_reload(procs: list[subprocess.Popen[str]]) -> None:
    proc, first = start(["difftool", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--no-browser"])
    procs.append(proc)
    op, base, _ = _pages(first)
    write(op, base, "/api/closed")
    op.open(base + "/", timeout=10)  # the reload comes back at once
    time.sleep(2.5)
    assert proc.poll() is None
    write(op, base, "/api/closed")
    assert proc.wait(15) == 0


def test_diff_html_writes_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    proc = subprocess.run(
        NBREVIEW + ["diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--html", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    packed = out.read_text()
    assert ">4 modified<" in packed
    assert re.search(r'<link [^>]*rel="stylesheet"', packed) is None and "<script src=" not in packed
    text = unpack_report(packed)
    assert not re.search(r'(src|href)="(https?:)?//', text), "nothing is fetched"
    assert text.count("data:image/png;base64,") == 3  # old, new, difference
    assert [p.name for p in tmp_path.iterdir()] == ["review.html"], "no temporary file left behind"


def test_diff_html_between_revisions(worktree_repo: Path) -> None:
    out = worktree_repo / "r.html"
    proc = subprocess.run(
        NBREVIEW + ["diff", "HEAD~1", "HEAD", "--html", str(out)], cwd=worktree_repo, capture_output=True,
        text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    text = unpack_report(out.read_text())
    assert re.findall(r'<span class="path">([^<]+)</span>', text) == ["a.ipynb", "b.ipynb", "sub/c.ipynb"]
    assert 'href="#f2"' in text and 'id="f2-n0"' in text
    assert re.findall(r'<span class="note">(\w+)</span>', text) == ["added"]


def test_diff_html_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "same.html"
    same = subprocess.run(
        NBREVIEW + ["diff", str(EXAMPLE_OLD), str(EXAMPLE_OLD), "--html", str(out), "--exit-code"], cwd=ROOT,
        capture_output=True, timeout=60,
    )
    assert same.returncode == 0 and "no changes" in out.read_text()
    differ = subprocess.run(
        NBREVIEW + ["diff", str(EXAMPLE_OLD), str(EXAMPLE_NEW), "--html", str(out), "--exit-code"], cwd=ROOT,
        capture_output=True, timeout=60,
    )
    assert differ.returncode == 1


def test_web_help_lists_options() -> None:
    proc = subprocess.run(NBREVIEW + ["web", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for opt in ("--no-browser", "--port", "--ip", "--ignore"):
        assert opt in proc.stdout
