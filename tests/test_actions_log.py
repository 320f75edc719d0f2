"""What nbreview prints inside a GitHub Actions step is inert for the runner.

The runner reads a step's output line by line (``\\r``, ``\\n``) and acts on workflow commands:
a line that starts with ``::name params::data`` after leading white space, or holds ``##[name]``
anywhere. A fork's pull request names its files and writes its notebooks, so ``nbreview pr``
(posting, and ``--dry-run``), ``check`` (pre-commit in CI) and ``diff`` run here as subprocesses
under ``GITHUB_ACTIONS=true`` and their whole output is parsed the way the runner parses it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fakegithub import SHARED_API, FakeGitHub, Token, serve
from support.notebooks import code_cell, md_cell, notebook

NBREVIEW = str(Path(sys.executable).with_name("nbreview"))
REPO = "octo/notebooks"
TOKEN = "ghp_fake_secret_token_123"
EVIL_NAME = "x\n::error title=pwned::injected annotation\x1b]0;CITITLE\x07.ipynb"
BIDI_NAME = "report\u202egnp.ipynb"
# Notebook text a fork controls: every line would be a command if printed as it is.
EVIL_LINES = [
    "::error title=pwned::from a cell",
    "  ::set-output name=x::y",
    "\u3000::warning::ideographic space first",
    "print('##[error]old-style command')",
    "::add-mask::secret",
]
# What must never reach the log raw: ESC, BEL, CR and other C0 (but tab and newline), C1, bidi.
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colour codes nbreview writes with --color=always
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def runner_commands(log: str) -> list[str]:
    """The workflow commands the Actions runner would find in ``log`` (ActionCommand.TryParseV2 /
    TryParse): lines split at CR and LF; ``::name ...::`` after leading white space; ``##[name...]``.
    Stricter than the runner: colour codes are dropped first, as a log reader might."""
    found = []
    for line in re.split(r"\r\n|\r|\n", log):
        stripped = _SGR.sub("", line).lstrip()  # .NET TrimStart: Unicode white space
        if stripped.startswith("::") and stripped.find("::", 2) > 0:
            found.append(line)
        start = line.find("##[")
        if start >= 0 and line.find("]", start) > 0:
            found.append(line)
    return found


def test_the_runner_parser_finds_commands() -> None:
    """The parser above is not a rubber stamp: raw, the lines are commands."""
    assert len(runner_commands("\n".join(EVIL_LINES) + "\n" + EVIL_NAME)) == len(EVIL_LINES) + 1


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=cwd, check=True, capture_output=True)


def _notebooks(version: str) -> dict[str, dict[str, Any]]:
    text = "".join(f"{line} {version}\n" for line in EVIL_LINES)  # every line changes
    cells = [code_cell(text, [{"output_type": "stream", "name": "stdout", "text": text}]),
             md_cell(f"## notes \u202eevil\u202c {version}\n" + text)]
    return {EVIL_NAME: notebook(cells), BIDI_NAME: notebook(cells[:1]), "plain.ipynb": notebook(cells[1:])}


def _actions_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "NBREVIEW_"))}
    return {**env, "GITHUB_ACTIONS": "true", "NBREVIEW_PAGER": "cat", "HOME": str(tmp), **extra}


@pytest.fixture
def fork_pull(tmp_path: Path) -> Any:
    if not (SHARED_API / "openapi-subset.json").exists():
        pytest.skip("../shared/github-api is not present")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for name, nb in _notebooks("old").items():
        (repo / name).write_text(json.dumps(nb))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "feature")
    for name, nb in _notebooks("new").items():
        (repo / name).write_text(json.dumps(nb))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "a fork's change")
    fake = FakeGitHub()
    fake.add_repo(REPO, fake.store.import_git(repo))
    fake.tokens[TOKEN] = Token("github-actions[bot]", write=True, can_read_user=False)
    number = fake.open_pull(REPO, "main", "feature", head_repo="mallory/notebooks")
    with serve(fake) as url:
        yield fake, url, number


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "posting"])
def test_pr_log_holds_no_workflow_command(fork_pull: Any, tmp_path: Path, dry_run: bool) -> None:
    fake, url, number = fork_pull
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": number, "pull_request": {"number": number}}))
    env = _actions_env(tmp_path, GITHUB_REPOSITORY=REPO, GITHUB_EVENT_PATH=str(event), GITHUB_API_URL=url,
                       GITHUB_TOKEN=TOKEN)
    # stdout and stderr into one pipe, as the runner reads a step
    proc = subprocess.run([NBREVIEW, "pr", *(["--dry-run"] if dry_run else [])], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    log = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, log
    assert runner_commands(log) == []
    assert not _RAW.search(log), repr(_RAW.search(log))
    assert "x\\n::error title=pwned::injected annotation\\x1b]0;CITITLE\\x07.ipynb" in log  # named, escaped
    assert "report\\u202egnp.ipynb" in log
    if dry_run:
        assert "from a cell" in log and "old-style command" in log  # the body was printed, inert
    else:
        (comment,) = fake.comments_on(REPO, number)
        assert "from a cell" in comment.body  # the comment itself is GitHub's to render, not the log's


def test_check_and_diff_print_no_workflow_command(tmp_path: Path) -> None:
    """``check`` as a pre-commit hook in CI and ``diff`` / ``--json`` in a workflow step."""
    old, new = tmp_path / "old.ipynb", tmp_path / EVIL_NAME
    nbs = _notebooks("old")
    old.write_text(json.dumps(nbs[EVIL_NAME]))
    changed = _notebooks("new")[EVIL_NAME]
    changed["metadata"]["nbreview"] = {"conflicts": [{"kind": "::error::kind\n::warning::x ##[error]y", "cell": 0}]}
    new.write_text(json.dumps(changed))
    env = _actions_env(tmp_path)
    for argv in (["check", str(new), str(tmp_path / f"gone{EVIL_NAME}")], ["diff", "-a", str(old), str(new)],
                 ["diff", "--color=always", str(old), str(new)],
                 ["diff", "--json", str(old), str(new)], ["diff", "--stat", str(old), str(new)],
                 ["git-textconv", str(new)]):
        proc = subprocess.run([NBREVIEW, *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              check=False, cwd=tmp_path)
        log = proc.stdout.decode("utf-8")
        assert proc.returncode in (0, 1, 2), log
        assert runner_commands(log) == [], (argv[0], runner_commands(log))
        assert not _RAW.search(_SGR.sub("", log)), (argv[0], repr(_RAW.search(_SGR.sub("", log))))
        assert "from a cell" in log or argv[0] == "check" or argv[1] == "--stat", (argv, log)
        if argv[1] == "--json":
            assert json.loads(log)  # still JSON, the same values
    kinds = subprocess.run([NBREVIEW, "check", str(new)], env=env, capture_output=True, text=True, check=False)
    assert "conflicts: ::error::kind\\n::warning::x ##\\x5berror]y)" in kinds.stdout  # the kind, inert
