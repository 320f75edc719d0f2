"""``nbreview review`` and ``nbreview web --mr`` on a GitLab merge request (the fake GitLab): the page
served with the MR's discussions placed on cells, GitLab CI's variables as defaults, errors as one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbreview.cli.main import main
from support.review_hosts import GITLAB_REVIEWER, GitLabSide, gitlab_side


@pytest.fixture
def gl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitLabSide]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("GITLAB_TOKEN", "CI_SERVER_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID"):
        monkeypatch.delenv(name, raising=False)
    with gitlab_side(tmp_path) as side:
        yield side


def test_review_command_in_a_gitlab_ci_job_serves_the_merge_request(gl: GitLabSide, tmp_path: Path) -> None:
    gl.seed(2, 1, "seen by the command")
    env = {**os.environ, "GITLAB_TOKEN": GITLAB_REVIEWER, "CI_SERVER_URL": gl.url, "CI_PROJECT_ID": "7",
           "CI_MERGE_REQUEST_IID": "5", "XDG_STATE_HOME": str(tmp_path / "state")}
    cli = "import sys; from nbreview.cli.main import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", cli, "review", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.match(r"Serving on (http://127\.0\.0\.1:\d+/[\w-]+)/", line)
        assert m, line + (proc.stderr.read() if proc.stderr and proc.poll() is not None else "")
        with urllib.request.urlopen(m.group(1) + "/api/threads?file=0") as r:  # noqa: S310 - our own server
            data = json.loads(r.read())
        assert (data["pr"]["host"], data["pr"]["number"], data["pr"]["user"]) == ("GitLab", 5, "ann")
        assert data["pr"]["events"] == ["COMMENT", "APPROVE"] and data["pr"]["resolvable"]
        [t] = data["threads"]
        assert (t["anchor"], t["lines"], t["side"], t["resolved"]) == ("n2", [1, 1], "new", False)
        assert "seen by the command" in t["comments"][0]["html"] and t["comments"][0]["author"] == "bob"
        assert data["commentable"]["new"]  # the lines inside the MR's diff hunks take a line comment
    finally:
        proc.terminate()
        proc.wait(10)


def test_errors_are_one_line(gl: GitLabSide, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--gitlab-url", gl.url, "--project", "7", "--mr", "5", "--no-browser"]) == 2
    assert capsys.readouterr().err.startswith("nbreview: error: no GitLab token: set GITLAB_TOKEN")
    monkeypatch.setenv("MY_GL", GITLAB_REVIEWER)
    assert main(["review", "--gitlab-url", gl.url, "--project", "7", "--mr", "9", "--token-env", "MY_GL",
                 "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "merge request !9" in err and "404" in err and err.count("\n") == 1
    assert main(["review", "--no-browser"]) == 2
    assert "which change?" in capsys.readouterr().err
    assert main(["review", "--repo", "o/n", "--pr", "1", "--mr", "5", "--no-browser"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["web", "--mr", "7#5", "--no-browser"]) == 2
    assert "expected PROJECT!IID" in capsys.readouterr().err
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-wrong")
    assert main(["web", "--mr", "7!5", "--gitlab-url", gl.url, "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "401" in err and "set GITLAB_TOKEN" in err and "glpat-wrong" not in err and err.count("\n") == 1
