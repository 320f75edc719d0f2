"""A real ``jupyter lab`` for the JupyterLab tests: a temporary git repository, loopback, a free port.

The server runs from this venv with every Jupyter folder (config, data, runtime, settings,
workspaces) inside the test's temporary directory, so neither the user's Jupyter set-up nor
another test's leaks in; the nbreview server extension is enabled by the venv's
``etc/jupyter`` (what the wheel installs; ``make labextension`` puts it there for the editable
install). The token is Jupyter Server's own login token.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

VENV_BIN = Path(sys.executable).parent
LABEXTENSION = Path(sys.prefix, "share", "jupyter", "labextensions", "nbreview", "package.json")
SERVER_CONFIG = Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.d", "nbreview.json")


def code_cell(source: str, cell_id: str) -> dict[str, object]:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}


def notebook(*sources: str) -> dict[str, object]:
    """A small nbformat 4.5 notebook of code cells, with a kernelspec (no kernel dialog in Lab)."""
    return {
        "cells": [code_cell(s, f"cell-{i}") for i, s in enumerate(sources)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(path: Path, nb: dict[str, object]) -> None:
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def make_repo(root: Path) -> Path:
    """A git repository with ``analysis/nb.ipynb`` committed (two code cells)."""
    repo = root / "repo"
    (repo / "analysis").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_notebook(repo / "analysis" / "nb.ipynb", notebook("total = 1 + 1", "print('committed line')"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    return repo


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Lab:
    """A running JupyterLab: its URL (no trailing slash), login token and notebook folder."""

    url: str
    token: str
    root: Path
    log: Path

    def get(self, path: str, *, auth: bool = True) -> tuple[int, dict[str, str], bytes]:
        """GET ``path`` (relative to the server's base URL), without following redirects."""
        request = urllib.request.Request(self.url + path)
        if auth:
            request.add_header("Authorization", f"token {self.token}")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def api(self, method: str, path: str, body: object) -> object:
        """A call to Jupyter Server's REST API with the token (e.g. make a checkpoint)."""
        request = urllib.request.Request(self.url + path, method=method, data=json.dumps(body).encode())
        request.add_header("Authorization", f"token {self.token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as resp:
            return json.loads(resp.read() or b"null")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def require_server_extension() -> None:
    """Skip (with the reason) where the jupyter extra is not installed; CI installs it."""
    if shutil.which("jupyter", path=str(VENV_BIN)) is None or not SERVER_CONFIG.is_file():
        reason = "jupyter extra or its server config not installed (make labextension installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def require_labextension() -> None:
    """Skip where the labextension is not built into this venv; ``make test`` builds it (CI fails instead)."""
    require_server_extension()
    if not LABEXTENSION.is_file():
        reason = f"the nbreview labextension is not built ({LABEXTENSION} missing; run make labextension)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def running_lab(root: Path, *, base_url: str = "/", extra: tuple[str, ...] = (),
                env: dict[str, str] | None = None) -> Iterator[Lab]:
    """``jupyter lab`` on 127.0.0.1 serving ``root/repo``, until the block ends; ``env`` adds to its environment
    (pending reviews are kept under the test's HOME unless ``env`` names an XDG_STATE_HOME)."""
    repo = make_repo(root)
    home = root / "home"
    _quiet_lab_settings(home)
    token = secrets.token_hex(16)
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "XDG_STATE_HOME"}
    lab_env = {**inherited, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
               "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}
    args = [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={repo}",
            f"--ServerApp.base_url={base_url}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
            "jupyterlab.NeverCheckForUpdate", *extra]
    if hasattr(os, "getuid") and os.getuid() == 0:
        args.append("--allow-root")
    log = root / "jupyter.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=repo, env=lab_env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    lab = Lab(f"http://127.0.0.1:{port}{base_url.rstrip('/')}", token, repo, log)
    try:
        _wait_ready(lab, proc)
        yield lab
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _quiet_lab_settings(home: Path) -> None:
    """No news pop-up, and nbdime's own notebook buttons (its plugin; its modules stay for jupyterlab-git) off."""
    labconfig = home / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": {"nbdime-jupyterlab:plugin": True}}))
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))


def _wait_ready(lab: Lab, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"jupyter lab exited ({proc.returncode}):\n{lab.log.read_text()[-3000:]}")
        try:
            if lab.get("/api/status")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"jupyter lab did not answer in 90 s:\n{lab.log.read_text()[-3000:]}")


@contextmanager
def lab_page(lab: Lab, path: str, ready: str, height: int = 900) -> Iterator[Any]:
    """A chromium page logged into ``lab`` with its token, at ``path`` (``lab`` or ``lab/tree/NB``),
    once ``ready`` (a selector) is on it; fails under CI where chromium is missing, else skips."""
    from support.browser import CHROMIUM_ARGS, chromium_path

    chromium = chromium_path()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make test installs it)")
        pytest.skip("chromium not found; make test installs it")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        pg = browser.new_context(viewport={"width": 1400, "height": height}).new_page()
        pg.set_default_timeout(60_000)
        pg.goto(f"{lab.url}/{path}?token={lab.token}")
        pg.wait_for_selector(ready)
        yield pg
        browser.close()


def run_review_command(pg: Any, target: str) -> Any:
    """The palette's "Review pull request…", ``target`` (a pull or merge request) typed into its
    dialog; the tab's frame."""
    pg.locator(".jp-DirListing-item").first.click()
    pg.keyboard.press("Control+Shift+c")
    search = pg.locator(".lm-CommandPalette-input")
    search.wait_for()
    search.fill("Review pull request")
    pg.locator(".lm-CommandPalette-item", has_text="Review pull request…").first.click()
    answer_dialog(pg, target)
    return pg.frame_locator(".nbreview-pull iframe")


def answer_dialog(pg: Any, target: str) -> None:
    """Type the pull or merge request into the command's dialog and press Review."""
    dialog = pg.locator(".jp-Dialog")
    dialog.locator("input").fill(target)
    dialog.get_by_role("button", name="Review", exact=True).click()
