"""Hostile and broken notebooks through every face of nbreview: no internal error, no traceback.

Every generated case (tests/hostile_notebooks.py: each structural oddity, lone surrogates, huge
integers, image bombs, and seeded random structure mutations of the corpus) runs through
``diff``, ``diff --json``, ``diff --html``, ``patch``, ``merge``, ``git-textconv``,
``git-diffdriver`` and the PR comment renderer. Each must repair (exit 0 with a warning) or
refuse (exit 2, one line); an output file is untouched when a command refuses; wherever the
diff succeeds, patching the old notebook with its JSON gives the new one. Most runs are
in-process for speed; a real git repository checks ``git diff`` and ``git log -p`` once.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nbreview.view import build as build_view
from support import hostile_notebooks as H
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD, corpus_pairs

REFUSED = {"huge-int", "cell-not-object", "cells-missing", "deep-metadata"}
SENTINEL = b"untouched\n"


class Result:
    def __init__(self, code: int, out: bytes, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def text(self) -> str:
        return self.out.decode("utf-8")


def run(*argv: str, stdin: str = "") -> Result:
    """``nbreview ARGV`` in-process, stdout captured as bytes (as a terminal or pipe would get them)."""
    from nbreview.cli.main import main

    buf = io.BytesIO()
    out = io.TextIOWrapper(buf, encoding="utf-8", write_through=True)
    err = io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as e:  # argparse
                code = int(e.code or 0)
    finally:
        sys.stdin = old_stdin
    out.flush()
    return Result(code, buf.getvalue(), err.getvalue())


def assert_clean(r: Result, what: str) -> None:
    assert r.code in (0, 1, 2), f"{what}: exit {r.code}: {r.err}"
    assert "Traceback" not in r.err and "internal error" not in r.err, f"{what}: {r.err}"
    if r.code == 2:
        lines = r.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nbreview: error: "), f"{what}: {r.err}"


def every_face(tmp: Path, name: str, old: bytes, new: bytes) -> dict[str, int]:
    """Run one case through every face; returns each face's exit status."""
    a, b = tmp / "old.ipynb", tmp / "new.ipynb"
    a.write_bytes(old)
    b.write_bytes(new)
    codes: dict[str, int] = {}

    r = run("diff", "--no-pager", str(a), str(b))
    assert_clean(r, f"{name}: diff")
    codes["diff"] = r.code
    if r.code == 0:
        assert "! " in r.text or name.startswith(("mutated", "png-")), (
            f"{name}: a repaired notebook is shown with a warning"
        )

    j = run("diff", "--json", str(a), str(b))
    assert_clean(j, f"{name}: diff --json")
    codes["json"] = j.code

    html = tmp / "out.html"
    html.write_bytes(SENTINEL)
    r = run("diff", "--html", str(html), str(a), str(b))
    assert_clean(r, f"{name}: diff --html")
    if r.code == 2:
        assert html.read_bytes() == SENTINEL, f"{name}: --html wrote a file while failing"
    else:
        assert html.read_bytes().startswith(b"<!doctype html") or html.read_bytes().lower().startswith(b"<!doctype")

    if j.code == 0:
        diff_file = tmp / "diff.json"
        diff_file.write_bytes(j.out)
        patched = tmp / "patched.ipynb"
        patched.write_bytes(SENTINEL)
        r = run("patch", str(a), str(diff_file), "-o", str(patched))
        assert_clean(r, f"{name}: patch")
        assert r.code == 0, f"{name}: patch: {r.err}"
        from nbreview.io.load import load

        assert load(patched).nb == load(b).nb, f"{name}: patch(old, diff) != new"

    merged = tmp / "merged.ipynb"
    merged.write_bytes(SENTINEL)
    r = run("merge", "-q", str(a), str(a), str(b), "-o", str(merged))
    assert_clean(r, f"{name}: merge")
    codes["merge"] = r.code
    if r.code == 2:
        assert merged.read_bytes() == SENTINEL, f"{name}: merge wrote a file while failing"

    r = run("git-textconv", str(b))
    assert r.code == 0 and not r.err, f"{name}: git-textconv: {r.err}"
    r = run("git-diffdriver", "x.ipynb", str(a), "1" * 40, "100644", str(b), "2" * 40, "100644")
    assert r.code == 0 and "internal error" not in r.text and not r.err, f"{name}: git-diffdriver: {r.text}"

    comment(old, new, name)
    return codes


def comment(old: bytes, new: bytes, name: str) -> str:
    """The PR comment for one changed notebook (as the bot builds it: an unreadable one is named)."""
    from nbreview.errors import NbreviewError
    from nbreview.hosts.github.comment import render_comment
    from nbreview.render.markdown import NotebookChange
    from nbreview.results import pipeline as engine

    ch = NotebookChange(f"{name}.ipynb", "modified")
    try:
        ch.diff = engine.diff(old, new, old_label="old", new_label="new")
    except NbreviewError as err:
        ch.error = str(err)
    body = render_comment([ch], image_base_url="https://github.com/o/r/raw/nbreview-assets").body
    check_comment(body, allowed_links=("https://github.com/o/r/raw/nbreview-assets/",))
    return body


# ---------------------------------------------------------------- GitHub's view of a comment

_MENTION = re.compile(r"(?:^|\W)@[A-Za-z0-9]", re.M)  # GitHub's mention filter runs on text nodes
_REF = re.compile(r"(?:^|[^\w&])#\d|\bGH-\d|[\w.-]+/[\w.-]+#\d", re.I | re.M)


def check_comment(body: str, allowed_links: tuple[str, ...] = ()) -> None:
    """Render through cmarkgfm (GitHub's markdown) and check what GitHub would then link or show."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from html.parser import HTMLParser

    from cmarkgfm.cmark import Options

    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    texts: list[str] = []
    tags: list[tuple[str, dict[str, str | None]]] = []
    depth = {"code": 0, "pre": 0}
    opened = {"details": 0}

    class Walk(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, dict(attrs)))
            if tag in depth:
                depth[tag] += 1
            if tag == "details":
                opened["details"] += 1

        def handle_endtag(self, tag: str) -> None:
            if tag in depth:
                depth[tag] -= 1
            if tag == "details":
                opened["details"] -= 1
                assert opened["details"] >= 0, "a </details> closes more than was opened"

        def handle_data(self, data: str) -> None:
            if not depth["code"] and not depth["pre"]:
                texts.append(data)

    Walk().feed(html)
    assert opened["details"] == 0, "<details> left open"
    text = "\n".join(texts)
    assert not _MENTION.search(text), f"a mention GitHub would link: {_MENTION.search(text)!r}"
    assert not _REF.search(text), f"an issue reference GitHub would link: {_REF.search(text)!r}"
    ours = {"details", "summary", "b", "sub", "del", "ins", "p", "table", "thead", "tbody", "tr", "th", "td", "h3",
            "h4", "code", "pre", "blockquote", "strong", "em", "a", "img", "br", "hr", "ul", "li"}
    for tag, attrs in tags:
        assert tag in ours, f"raw HTML from the notebook: <{tag}>"
        for key in ("href", "src"):
            url = attrs.get(key)
            if url is not None:
                assert url.startswith(allowed_links), f"a link the notebook made: {url}"


# ---------------------------------------------------------------- the cases


def _ids(cases: list[H.Case]) -> list[str]:
    return [c[0] for c in cases]


STRUCTURAL = H.structural_cases() + H.resource_cases()


@pytest.mark.parametrize("case", STRUCTURAL, ids=_ids(STRUCTURAL))
def test_structural_oddities_are_repaired_or_refused(case: H.Case, tmp_path: Path) -> None:
    name, old, new = case
    codes = every_face(tmp_path, name, old, new)
    if name in REFUSED:
        assert codes["diff"] == 2 and codes["json"] == 2
    else:
        assert codes["diff"] == 0 and codes["json"] == 0, f"{name} is repaired for display, not refused"


def test_repairs_name_the_file_and_json_path(tmp_path: Path) -> None:
    cases = dict((n, new) for n, _old, new in H.structural_cases())
    p = tmp_path / "odd.ipynb"
    p.write_bytes(cases["stream-text-mixed"])
    r = run("diff", "--no-pager", str(EXAMPLE_OLD), str(p))
    assert f"! {p}: cells[1].outputs[0].text: a list holding a list, a number; non-text items shown as JSON" in r.text
    p.write_bytes(cases["surrogates"])
    r = run("diff", "--no-pager", str(EXAMPLE_OLD), str(p))
    assert "lone UTF-16 surrogates (invalid Unicode) shown as U+FFFD" in r.text and "\ufffd lone \ufffd" in r.text
    p.write_bytes(cases["cell-type-unknown"])
    r = run("diff", "--no-pager", str(EXAMPLE_OLD), str(p))
    assert "cell 0: unknown cell_type 'heading'; shown as a raw cell" in r.text
    p.write_bytes(cases["huge-int"])
    r = run("diff", str(EXAMPLE_OLD), str(p))
    assert r.code == 2 and r.err == f"nbreview: error: {p}: holds an integer with more than 4300 digits, which " \
        "nbreview refuses\n"


def test_image_bombs_compare_by_bytes_and_never_fail_the_comment(tmp_path: Path) -> None:
    from nbreview.results import pipeline as engine

    name, old, new = H.resource_cases()[0]
    d = engine.diff(old, new)
    images = [m.image for c in d.cells for o in c.outputs or [] for m in o.mimes if m.image is not None]
    assert images and all(i.error and i.error.startswith("too large to compare pixels") for i in images)
    assert "too large to compare pixels" in run("diff", "--no-pager", *_files(tmp_path, old, new)).text
    body = comment(old, new, name)
    assert "too large to compare pixels" in body
    html = tmp_path / "bomb.html"
    assert run("diff", "--html", str(html), *_files(tmp_path, old, new)).code == 0
    from nbreview.render.html import InlineImages, render_notebook

    assert "too large to compare pixels" in render_notebook(d, InlineImages(build_view(d)))  # what the page unpacks


def _files(tmp: Path, old: bytes, new: bytes) -> list[str]:
    a, b = tmp / "a.ipynb", tmp / "b.ipynb"
    a.write_bytes(old)
    b.write_bytes(new)
    return [str(a), str(b)]


def _mutation_bases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    pairs = [("example", json.loads(EXAMPLE_OLD.read_text()), json.loads(EXAMPLE_NEW.read_text()))]
    for p in corpus_pairs()[:: max(1, len(corpus_pairs()) // 12)][:12]:
        old, new = (p / "old.ipynb").read_bytes(), (p / "new.ipynb").read_bytes()
        if len(old) + len(new) < 200_000:  # keep the run quick: small real notebooks mutate just as well
            pairs.append((p.name, json.loads(old), json.loads(new)))
    return pairs


@pytest.mark.parametrize("seed", range(3))
def test_random_structure_mutations_never_crash(seed: int, tmp_path: Path) -> None:
    for name, old, new in H.mutated_cases(_mutation_bases(), seed, 8):
        case_dir = tmp_path / name
        case_dir.mkdir()
        every_face(case_dir, name, old, new)


# ---------------------------------------------------------------- terminal

_UNSAFE = re.compile("\x1b(?!\\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069\ufeff\U000e0000-\U000e007f]")


def _control_files(tmp: Path) -> tuple[str, str]:
    a, b = tmp / "old.ipynb", tmp / "new.ipynb"
    a.write_text(json.dumps(H.control_notebook()))
    b.write_text(json.dumps(H.control_notebook(" v2")))
    return str(a), str(b)


def test_no_control_character_but_sgr_reaches_stdout(tmp_path: Path) -> None:
    a, b = _control_files(tmp_path)
    outs: list[Result] = []
    for argv in (
        ("diff", "--no-pager", "--color=always", a, b),
        ("diff", "--no-pager", "-a", a, b),
        ("diff", "--stat", a, b),
        ("diff", "--json", a, b),
        ("git-textconv", b),
        ("git-diffdriver", "x.ipynb", a, "1" * 40, "100644", b, "2" * 40, "100644"),
        ("merge", a, a, b),
        ("diff", "--no-pager", a, str(tmp_path / "\x1b]0;name\x07.ipynb")),
    ):
        r = run(*argv)
        outs.append(r)
        both = r.out.decode("utf-8") + r.err
        assert not _UNSAFE.search(both), f"{argv[:2]}: {_UNSAFE.search(both)!r} reached the terminal"
    shown = outs[1].text
    assert "\\x1b]0;PWNED-TITLE\\x07" in shown and "\\x9d0;PWNED-C1-TITLE" in shown  # visible, escaped
    assert "stream \\x1b]0;PWNED-TITLE" in shown  # the stream name, a field once printed raw


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tmux_title_and_clipboard_are_not_touched(tmp_path: Path) -> None:
    a, b = _control_files(tmp_path)
    nbreview = str(Path(sys.executable).with_name("nbreview"))
    sock = str(tmp_path / "tmux.sock")
    env = {**os.environ, "TERM": "xterm-256color", "NBREVIEW_PAGER": "cat"}
    env.pop("TMUX", None)

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-S", sock, *args], env=env, capture_output=True, text=True, check=True).stdout

    tmux("-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", "sh")
    try:
        tmux("set-option", "-g", "set-clipboard", "on")
        tmux("set-option", "-g", "allow-rename", "on")
        tmux("select-pane", "-T", "before")
        done = tmp_path / "done"
        # the README's reproduction: a conflict record whose kind sets the clipboard (OSC 52) and the title
        conflicts = tmp_path / "n.ipynb"
        conflicts.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {"nbreview": {
            "conflicts": [{"id": 0, "kind": H.OSC_CLIP + "\x1b]0;PWNED-T\x07", "cell": 0}]}}}))
        missing = shlex.quote(str(tmp_path / "\x1b]0;PWNED-NAME\x07.ipynb"))
        for cmd in (f"{nbreview} diff --color=always {a} {b}", f"{nbreview} git-textconv {b}",
                    f"{nbreview} git-diffdriver x.ipynb {a} 1 100644 {b} 2 100644",
                    f"{nbreview} check {conflicts} {missing}", f"{nbreview} diff {a} {missing}",
                    f"{nbreview} check {conflicts} {shlex.quote('--' + chr(27) + ']0;PWNED-ARG' + chr(7))}"):
            tmux("send-keys", f"{cmd}; touch {done}", "Enter")
            for _ in range(200):
                if done.exists():
                    break
                subprocess.run(["sleep", "0.05"], check=True)
            done.unlink()
        screen = tmux("capture-pane", "-p", "-S", "-200")
        assert "PWNED-TITLE" in screen  # the payload was printed, as visible text
        assert tmux("display-message", "-p", "#{pane_title}").strip() == "before"
        assert "PWNED" not in tmux("display-message", "-p", "#{window_name}")
        assert "PWNED" not in tmux("list-buffers")  # OSC 52 would have made a paste buffer
        assert tmux("list-buffers").strip() == ""
        assert "PWNED-NAME" in screen and "conflicts: \\x1b]52;" in screen  # check printed them, escaped
        assert "unrecognized arguments: --" in screen and "PWNED-ARG" in screen  # argparse's errors too
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], env=env, capture_output=True, check=False)


# ---------------------------------------------------------------- PR comment


def test_pr_comment_pings_nobody_and_shows_paths_exactly() -> None:
    from nbreview.hosts.github.comment import render_comment
    from nbreview.render.markdown import NotebookChange
    from nbreview.results import pipeline as engine

    old = json.dumps(H.base_notebook()).encode()
    nb = H.unknown_cell_notebook()
    nb["cells"][0]["source"] = "# changed " + H.PINGS
    nb["cells"][1]["outputs"][0]["text"] = H.PINGS
    nb["cells"][1]["outputs"][2]["ename"] = "@octocat"
    new = json.dumps(nb).encode()
    path = "notebooks/01_the_model <b>@x</b> #3.ipynb"
    ch = NotebookChange(path, "modified", diff=engine.diff(old, new))
    removed = NotebookChange("gone_2.ipynb", "removed", diff=engine.diff(json.dumps(
        {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "outputs": [], "execution_count": None}],
         "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(), b""))
    body = render_comment([ch, removed]).body
    check_comment(body)
    summary = re.search(r"<summary><b>(.*?)</b>", body)
    assert summary is not None
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from cmarkgfm.cmark import Options

    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    shown = re.search(r"<summary><b>(.*?)</b>", html)
    assert shown is not None
    import html as htmllib

    assert htmllib.unescape(shown.group(1)).replace("\u200d", "") == path  # no backslash escapes visible
    assert "```diff\n```" not in body  # an empty removed cell shows no empty block
    assert "moved from #" not in body


# ---------------------------------------------------------------- real git


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_diff_and_log_survive_hostile_notebooks(tmp_path: Path) -> None:
    nbreview = str(Path(sys.executable).with_name("nbreview"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.update(HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@x",
               GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="a@x", GIT_PAGER="cat")
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)

    git("init", "-q", "-b", "main")
    subprocess.run([nbreview, "git", "install"], cwd=repo, env=env, check=True, capture_output=True)
    picked = {n: (o, nw) for n, o, nw in H.structural_cases() if n in ("surrogates", "huge-int", "traceback-number",
                                                                     "cell-metadata-list", "unknown-cell-pings")}
    for n, (o, _nw) in picked.items():
        (repo / f"{n}.ipynb").write_bytes(o)
    (repo / "control.ipynb").write_text(json.dumps(H.control_notebook()))
    git("add", "-A")
    git("commit", "-qm", "one")
    for n, (_o, nw) in picked.items():
        (repo / f"{n}.ipynb").write_bytes(nw)
    (repo / "control.ipynb").write_text(json.dumps(H.control_notebook(" v2")))
    diff = git("diff")
    assert diff.returncode == 0 and "external diff died" not in diff.stderr, diff.stderr
    assert all(f"a/{n}.ipynb" in diff.stdout for n in picked)
    git("commit", "-qam", "two")
    for args in (("log", "-p"), ("log", "-p", "--ext-diff"), ("show", "--ext-diff")):
        r = git(*args)
        assert r.returncode == 0 and "died" not in r.stderr, r.stderr
        assert not _UNSAFE.search(r.stdout.replace("\x1b[m", "")), f"git {args}: a control character reached the pager"
    git("commit", "-q", "--amend", "-m", f"two {H.ESCAPES}")  # git log prints it raw; nbreview log must not
    r = subprocess.run([nbreview, "log", "--color=always"], cwd=repo, env={**env, "NBREVIEW_PAGER": "cat"},
                       capture_output=True, text=True)
    # the refused notebooks (huge-int ...) make log exit 2, as diff does, each named on one stderr line
    refused = [line for line in r.stderr.splitlines() if line]
    assert r.returncode == (2 if refused else 0), r.stderr
    assert all(line.startswith("nbreview: error: ") and ".ipynb: " in line for line in refused), r.stderr
    assert "PWNED-TITLE" in r.stdout and "\\u200f" in r.stdout, r.stderr  # message and cells
    assert not _UNSAFE.search(r.stdout + r.stderr), "nbreview log: a control character reached the terminal"


# ---------------------------------------------------------------- writes


def test_output_keeps_mode_and_writes_through_symlinks(tmp_path: Path) -> None:
    a, b = _files(tmp_path, EXAMPLE_OLD.read_bytes(), EXAMPLE_NEW.read_bytes())
    target = tmp_path / "real.ipynb"
    target.write_bytes(SENTINEL)
    target.chmod(0o600)
    link = tmp_path / "link.ipynb"
    link.symlink_to(target)
    assert run("merge", "-q", a, a, b, "-o", str(link)).code == 0
    assert link.is_symlink() and target.read_bytes() != SENTINEL
    assert (target.stat().st_mode & 0o777) == 0o600
    old_mask = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.html"
        assert run("diff", "--html", str(fresh), a, b).code == 0
    finally:
        os.umask(old_mask)
    assert (fresh.stat().st_mode & 0o777) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- huge outputs


def test_huge_output_is_diffed_with_bounded_work_and_still_patches(tmp_path: Path) -> None:
    from nbreview.engine.text import HUGE_TEXT_CHARS, SHOWN_CHANGED_LINES
    from nbreview.render.html import InlineImages, render_notebook
    from nbreview.results import pipeline as engine

    lines = [f"step {i:>7} loss 0.{i * 7919 % 10**6:06d}\n" for i in range(HUGE_TEXT_CHARS // 30)]
    changed = [x.replace("loss", "LOSS") if k % 50 == 0 else x for k, x in enumerate(lines)]
    old, new = H.base_notebook(), H.base_notebook()
    old["cells"][1]["outputs"][0]["text"] = "".join(lines)
    new["cells"][1]["outputs"][0]["text"] = "".join(changed)
    a, b = _files(tmp_path, json.dumps(old).encode(), json.dumps(new).encode())
    d = engine.diff(a, b)
    td = d.cells[1].outputs[0].text  # type: ignore[index]
    assert td is not None and td.added == td.removed == len(lines[::50])
    listed = sum(1 for op in td.lines if op.op != "equal")
    assert listed * 2 <= SHOWN_CHANGED_LINES + 2 and td.elided == td.added + td.removed - 2 * listed
    assert len(td.lines) < 4 * SHOWN_CHANGED_LINES  # context around listed changes only, not every line
    note = f"{td.elided} more changed lines not listed"
    shown = run("diff", "--no-pager", a, b).text  # the terminal cuts an output at 40 lines and counts the rest
    cut = re.search(r"… cut at 40 lines, (\d+) more changed lines", shown)
    assert cut is not None and int(cut.group(1)) > td.elided
    assert note in render_notebook(d, InlineImages(build_view(d)))
    j = run("diff", "--json", a, b)
    (tmp_path / "d.json").write_bytes(j.out)
    out = tmp_path / "patched.ipynb"
    assert run("patch", a, str(tmp_path / "d.json"), "-o", str(out)).code == 0
    from nbreview.io.load import load

    assert load(out).nb == load(b).nb


def test_huge_added_output_shows_its_first_and_last_lines(tmp_path: Path) -> None:
    from nbreview.render.html import InlineImages, render_notebook
    from nbreview.results import pipeline as engine

    old = H.base_notebook()
    new = H.base_notebook()
    new["cells"].append({"cell_type": "code", "execution_count": 3, "metadata": {}, "source": "run()",
                         "outputs": [{"output_type": "stream", "name": "stdout",
                                      "text": "".join(f"line {i}\n" for i in range(50_000))}]})
    d = engine.diff(json.dumps(old).encode(), json.dumps(new).encode())
    page = render_notebook(d, InlineImages(build_view(d)))
    assert "line 0\n" in page and "line 49999" in page and "48000 lines not shown" in page
    assert "line 25000\n" not in page
