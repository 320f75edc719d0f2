"""git through its CLI in throwaway repositories: an environment that never reads or touches the
user's own configuration (a temporary HOME, GIT_CONFIG_NOSYSTEM=1, no browser to open) and a
``Repo`` that runs git and the installed ``nbreview`` script in it. The fixtures (tests/conftest.py):
``repo``, a ``Repo`` with one commit of the bundled example notebook, and ``merge_repo``, a
``MergeRepo`` with nbreview's merge driver installed and one commit of ``sales_notebook()``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.notebooks import code_cell, md_cell, notebook
from support.paths import EXAMPLE_OLD

NBREVIEW = str(Path(sys.executable).with_name("nbreview"))
DRIVER = str(Path(sys.executable).with_name("nbreview-git-diffdriver"))  # what install sets as the diff command
NO_BROWSER = ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT")
needs_git = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not Path(NBREVIEW).exists(), reason="the nbreview script is not installed in this venv"),
]


def git_env(home: Path) -> dict[str, str]:
    """The environment every test's git runs in: a throwaway HOME, no system config, no colour
    forcing, and a headless machine (no browser can be opened, no difftool preference)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_")) and k not in ("NO_COLOR", "PAGER")}
    for key in (*NO_BROWSER, "NBREVIEW_DIFFTOOL"):
        e.pop(key, None)
    e.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Ada",
        GIT_AUTHOR_EMAIL="ada@example.org",
        GIT_COMMITTER_NAME="Ada",
        GIT_COMMITTER_EMAIL="ada@example.org",
        GIT_PAGER="cat",
        TERM="xterm-256color",
    )
    return e


class Repo:
    """A repository at ``root`` whose git and nbreview run with ``env``."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return proc.stdout

    def nbreview(self, *args: str, code: int = 0) -> str:
        proc = subprocess.run([NBREVIEW, *args], cwd=self.root, env=self.env, capture_output=True, text=True)
        assert proc.returncode == code, proc.stderr + proc.stdout
        return proc.stdout

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


def example_repo(root: Path, env: dict[str, str]) -> Repo:
    """A new repository on branch main with one commit: the example notebook and a text file."""
    root.mkdir()
    r = Repo(root, env)
    r.git("init", "-q", "-b", "main")
    r.write("analysis.ipynb", EXAMPLE_OLD.read_text())
    r.write("notes.txt", "first\n")
    r.commit("first")
    return r


def sales_notebook() -> dict[str, Any]:
    """The merge tests' base notebook: a title, three code cells (one with output) and a heading."""
    return notebook([
        md_cell("# Sales\n\nMonthly sales and a trend."),
        code_cell("import pandas as pd\ndf = pd.read_csv('sales.csv')\ndf.head()", count=1),
        code_cell("total = df.sales.sum()\nprint(total)", count=2,
                  outputs=[{"output_type": "stream", "name": "stdout", "text": "1200\n"}]),
        md_cell("## Trend"),
        code_cell("trend = df.sales.rolling(3).mean()\ntrend.plot()", count=3),
    ])


class MergeRepo:
    """A repository for merge tests: ``git`` returns the finished process (and asserts success unless
    ``ok=False``), ``save`` commits a notebook as nbreview writes it, ``read`` loads one back."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True, text=True, check=False)

    def git(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = self.run("git", *args)
        if ok:
            assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}{proc.stdout}"
        return proc

    def save(self, nb: dict[str, Any], message: str, name: str = "sales.ipynb") -> None:
        from nbreview.io.write import dumps_notebook

        (self.root / name).write_text(dumps_notebook(nb))
        self.git("add", name)
        self.git("commit", "-q", "-m", message)

    def read(self, name: str = "sales.ipynb") -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / name).read_text())
        for cell in data["cells"]:
            cell["source"] = "".join(cell["source"])
        return data

    def conflicted(self) -> list[str]:
        return self.git("diff", "--name-only", "--diff-filter=U").stdout.split()


def merge_driver_repo(root: Path, env: dict[str, str]) -> MergeRepo:
    """A new repository with nbreview's merge driver installed as a user would ('git install --local')
    and ``sales_notebook()`` committed on main."""
    root.mkdir()
    r = MergeRepo(root, dict(env, GIT_EDITOR="true"))
    r.git("init", "-q", "-b", "main")
    proc = r.run(NBREVIEW, "git", "install", "--local")
    assert proc.returncode == 0, proc.stderr
    assert r.git("config", "merge.nbreview.driver").stdout.strip().endswith(
        "merge %O %A %B -o %A --path %P --base-label %S --local-label %X --remote-label %Y")
    r.save(sales_notebook(), "base")
    return r
