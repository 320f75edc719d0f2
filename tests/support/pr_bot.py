"""``nbreview pr`` against the fake GitHub: a git repository whose pull request changes notebooks in
every way (added, modified, renamed, deleted, broken), and the command run in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from nbreview.cli.main import main
from support.paths import CORPUS, EXAMPLE_NEW, EXAMPLE_OLD, FIXTURES

IMAGE_PAIR = CORPUS / "ageron_handson-ml3__extra_gradient_descent_comparison.ipynb__bbc11139__0a28fab5"
IMAGE_PAIR_2 = CORPUS / "rasbt_LLMs-from-scratch__ch04_01_main-chapter-code_ch04.ipynb__87a4340c__f550bd5b"
BIG_PAIR = CORPUS / "ageron_handson-ml3__tools_matplotlib.ipynb__cf964f03__10a2b8fc"

REPO = "octo/notebooks"
TOKEN = "ghp_fake_secret_token_123"


def git(cwd: Path, *args: str) -> str:
    env_args = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *env_args, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def commit_files(repo: Path, files: dict[str, bytes | None], message: str) -> str:
    for rel, data in files.items():
        p = repo / rel
        if data is None:
            git(repo, "rm", "-q", rel)
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def build_repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit_files(
        repo,
        {
            "README.md": b"# notebooks\n",
            "nb/gradient.ipynb": (IMAGE_PAIR / "old.ipynb").read_bytes(),
            "nb/ch04.ipynb": (IMAGE_PAIR_2 / "old.ipynb").read_bytes(),
            "nb/matplotlib.ipynb": (BIG_PAIR / "old.ipynb").read_bytes(),
            "nb/old-name.ipynb": EXAMPLE_OLD.read_bytes(),
            "nb/retired.ipynb": (FIXTURES / "formats" / "v3.ipynb").read_bytes(),
            "nb/broken.ipynb": EXAMPLE_OLD.read_bytes(),
        },
        "base",
    )
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "mv", "nb/old-name.ipynb", "nb/new-name.ipynb")
    commit_files(
        repo,
        {
            "nb/gradient.ipynb": (IMAGE_PAIR / "new.ipynb").read_bytes(),
            "nb/ch04.ipynb": (IMAGE_PAIR_2 / "new.ipynb").read_bytes(),
            "nb/matplotlib.ipynb": (BIG_PAIR / "new.ipynb").read_bytes(),
            "nb/added.ipynb": EXAMPLE_NEW.read_bytes(),
            "nb/retired.ipynb": None,
            "nb/broken.ipynb": b'{"cells": [ {"cell_type": "code", \n<<<<<<< HEAD\n',
            "notes.txt": b"not a notebook\n",
        },
        "update notebooks",
    )
    return repo


def run_pr(
    url: str,
    number: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
    token: str | None = TOKEN,
) -> tuple[int, str, str]:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    if token is None:
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    else:
        monkeypatch.setenv("GITHUB_TOKEN", token)
    code = main(["pr", "--repo", REPO, "--pr", str(number), "--api-url", url, *extra])
    out, err = capsys.readouterr()
    return code, out, err
