"""The suite's shared fixtures and its markers; helpers live in the ``support`` package (tests/support/).

Nothing here is imported by a test file: pytest finds these fixtures by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import markers
from support.git import MergeRepo, Repo, example_repo, git_env, merge_driver_repo
from support.review_world import World


@pytest.hookimpl(tryfirst=True)  # before -m selects by the marks applied here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    markers.apply(items)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A throwaway HOME for git and nbreview's global configuration."""
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """The environment git runs in (see ``support.git.git_env``)."""
    return git_env(home)


@pytest.fixture
def repo(tmp_path: Path, env: dict[str, str]) -> Repo:
    """A git repository (branch main) with one commit: the example notebook and notes.txt."""
    return example_repo(tmp_path / "repo", env)


@pytest.fixture
def merge_repo(tmp_path: Path, env: dict[str, str]) -> MergeRepo:
    """A git repository with nbreview's merge driver installed and ``sales_notebook()`` committed on main."""
    return merge_driver_repo(tmp_path / "repo", env)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A pull request with the example notebook in the fake GitHub, served on loopback; afterwards every
    answer the fake gave (to nbreview or to a page) must have matched GitHub's schemas."""
    from fakegithub import serve
    from support.review_world import REPO, build

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # where pending reviews are kept
    repo, fake = build(tmp_path)
    number = fake.open_pull(REPO, "main", "feature")
    with serve(fake) as url:
        yield World(fake, url, number, repo)
        assert fake.schema_errors == []


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A real redis-server on a free loopback port, stopped after the test (never skipped)."""
    from support.bot import redis_server

    with redis_server(tmp_path) as url:
        yield url
