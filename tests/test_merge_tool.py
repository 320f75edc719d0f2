"""The mergetool page as a Flask app: token, escaping, saving, exit status, what a save may choose.

The same page in headless chromium, alone and run by 'git mergetool', is in
tests/browser/test_browser_mergetool.py (it shares the browser the other page tests use)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nbreview.merge import merge_structured, resolve_merge, validate
from nbreview.web.mergetool import MergeSession, create_mergetool_app
from support.merge_tool import TOKEN, WRITER, write_triple

SAVE = f"/{TOKEN}/merge/api/save"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_triple(tmp_path)


def conflict_ids(session: MergeSession) -> dict[str, int]:
    """kind/cell -> conflict id, in a way the tests can name them."""
    names: dict[str, int] = {}
    for c in session.result.conflicts:
        if c.kind == "value":
            names["kernel"] = c.id
        elif c.kind == "delete":
            names["delete"] = c.id
        else:
            names["title" if "Report" in getattr(c.detail, "base", "") else "rate"] = c.id
    return names


@pytest.fixture
def app_session(files: dict[str, Path]) -> tuple[Any, MergeSession]:
    result = merge_structured(files["base"], files["local"], files["remote"])
    session = MergeSession(result, str(files["merged"]))
    app = create_mergetool_app(session, TOKEN)
    app.testing = True
    return app, session


def test_page_needs_the_token_and_escapes_notebook_text(app_session: Any) -> None:
    app, session = app_session
    client = app.test_client()
    assert client.get("/merge").status_code == 403
    assert client.get(f"/merge?token={TOKEN}").status_code == 403
    page = client.get(f"/{TOKEN}/merge")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "4 conflicts · 0 resolved" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('<section class="conflict"') == 4
    assert "deleted on local, edited on remote" in html
    assert "notebook metadata: kernelspec/name set differently" in html
    assert "▸ 1 cell merged cleanly ([3])" in html  # clean cells fold into a bar


def test_save_with_every_conflict_resolved_writes_merged_and_exits_0(app_session: Any, files: Any) -> None:
    app, session = app_session
    ids = conflict_ids(session)
    client = app.test_client()
    choices = {ids["title"]: "remote", ids["rate"]: {"edit": "rate = 0.175\n"}, ids["delete"]: "remote",
               ids["kernel"]: "remote"}
    resp = client.post(SAVE, headers=WRITER, json={"choices": {str(k): v for k, v in choices.items()}})
    assert resp.status_code == 200 and resp.get_json()["unresolved"] == 0
    nb = json.loads(files["merged"].read_text())
    validate(nb)
    assert ["".join(c["source"]) for c in nb["cells"]] == [
        "# Annual report\n\nQuarterly numbers.", "rate = 0.175\nprint(rate)",
        "def tax(x):\n    return round(x * rate, 2)\n", "print(tax(100))"]
    assert nb["metadata"]["kernelspec"]["name"] == "conda-env" and "nbreview" not in nb["metadata"]
    assert session.exit_status == 0


def test_save_with_conflicts_left_marks_them_and_exits_1(app_session: Any, files: Any) -> None:
    app, session = app_session
    ids = conflict_ids(session)
    client = app.test_client()
    resp = client.post(SAVE, headers=WRITER, json={"choices": {str(ids["delete"]): "local"}})
    assert resp.get_json()["unresolved"] == 3
    nb = json.loads(files["merged"].read_text())
    assert len(nb["cells"]) == 3  # local deleted the cell, as chosen
    assert "<<<<<<< local\n" in nb["cells"][0]["source"]
    assert len(nb["metadata"]["nbreview"]["conflicts"]) == 3
    assert session.exit_status == 1


def test_bad_requests_write_nothing(app_session: Any, files: Any) -> None:
    app, session = app_session
    before = files["merged"].read_bytes()
    client = app.test_client()
    assert client.post(SAVE, headers=WRITER, json={"choices": {"99": "local"}}).status_code == 400
    assert client.post(SAVE, headers=WRITER, json={"choices": {"0": "mine"}}).status_code == 400
    assert client.post(SAVE, headers=WRITER, data="choices=0").status_code == 415
    assert client.post(SAVE, json={"choices": {}}).status_code == 403  # no token header: refused first
    assert files["merged"].read_bytes() == before and not session.saved and session.exit_status == 1


# -- MERGED edited by hand before the tool ran ------------------------------------------------

def driver_output(files: dict[str, Path], style: Any = None) -> dict[str, Any]:
    """MERGED as git's merge driver writes it (git's labels, maybe diff3)."""
    from nbreview.merge.labels import MarkerStyle

    result = merge_structured(files["base"], files["local"], files["remote"])
    result.style = style or MarkerStyle(local="HEAD", remote="feature", base="1234abc", diff3=True)
    nb: dict[str, Any] = resolve_merge(result).notebook
    return nb


def hand_session(files: dict[str, Path], hand: dict[str, Any]) -> tuple[Any, MergeSession]:
    from nbreview.io.write import dumps_notebook
    from nbreview.web.mergetool import hand_edits

    files["merged"].write_text(dumps_notebook(hand))
    result = merge_structured(files["base"], files["local"], files["remote"])
    edited, resolved = hand_edits(result, str(files["merged"]))
    session = MergeSession(result, str(files["merged"]), hand=edited, hand_resolved=resolved)
    app = create_mergetool_app(session, TOKEN)
    app.testing = True
    return app, session


def test_driver_output_with_gits_labels_is_not_a_hand_edit(files: dict[str, Path]) -> None:
    app, session = hand_session(files, driver_output(files))
    assert session.hand is None and not session.hand_resolved
    client = app.test_client()
    assert "edited by hand" not in client.get(f"/{TOKEN}/merge").get_data(as_text=True)


def test_hand_edits_are_kept_shown_and_their_conflicts_count_as_resolved(files: dict[str, Path]) -> None:
    hand = driver_output(files)
    hand["cells"][1]["source"] = "rate = 0.3  # agreed on the call\nprint(rate)"  # a conflict resolved by hand
    hand["cells"][-1]["source"] = "print(tax(1000))"  # and an edit elsewhere
    app, session = hand_session(files, hand)
    ids = conflict_ids(session)
    assert session.hand is not None and session.hand_resolved == {ids["rate"]}
    client = app.test_client()
    html = client.get(f"/{TOKEN}/merge").get_data(as_text=True)
    assert "This file was edited by hand after the automatic merge." in html
    assert "4 conflicts · 1 resolved" in html and html.count("resolved by hand in the file") == 1
    choices = {ids["title"]: "remote", ids["delete"]: "remote", ids["kernel"]: "remote"}
    resp = client.post(SAVE, headers=WRITER, json={"choices": {str(k): v for k, v in choices.items()}})
    assert resp.status_code == 200 and resp.get_json()["unresolved"] == 0
    nb = json.loads(files["merged"].read_text())
    validate(nb)
    assert ["".join(c["source"]) for c in nb["cells"]] == [
        "# Annual report\n\nQuarterly numbers.", "rate = 0.3  # agreed on the call\nprint(rate)",
        "def tax(x):\n    return round(x * rate, 2)\n", "print(tax(1000))"]
    assert "nbreview" not in nb["metadata"] and all("nbreview" not in c["metadata"] for c in nb["cells"])
    assert nb["metadata"]["kernelspec"]["name"] == "conda-env"
    assert session.exit_status == 0


def test_a_choice_against_a_hand_edit_of_the_same_lines_is_marked(files: dict[str, Path]) -> None:
    hand = driver_output(files)
    hand["cells"][1]["source"] = "rate = 0.3\nprint(rate)"
    app, session = hand_session(files, hand)
    ids = conflict_ids(session)
    client = app.test_client()
    choices = {ids["title"]: "remote", ids["delete"]: "remote", ids["kernel"]: "remote", ids["rate"]: "local"}
    resp = client.post(SAVE, headers=WRITER, json={"choices": {str(k): v for k, v in choices.items()}})
    assert resp.get_json()["unresolved"] == 1 and session.exit_status == 1
    nb = json.loads(files["merged"].read_text())
    validate(nb)
    src = "".join(nb["cells"][1]["source"])
    assert src.startswith("<<<<<<< file on disk\nrate = 0.3\n=======\nrate = 0.2\n>>>>>>> mergetool")
    assert nb["cells"][1]["metadata"]["nbreview"] == {"conflicts": ["source"]}
    assert [r["kind"] for r in nb["metadata"]["nbreview"]["conflicts"]] == ["source"]


def test_add_add_conflicts_show_on_the_page(tmp_path: Path) -> None:
    from support.notebooks import code_cell, notebook, write_nb

    ours = write_nb(tmp_path / "l.ipynb", notebook([code_cell("a = 1"), code_cell("only_ours()")]))
    theirs = write_nb(tmp_path / "r.ipynb", notebook([code_cell("a = 2")]))
    empty = tmp_path / "base.ipynb"
    empty.write_bytes(b"")  # what git mergetool gives for a file added on both branches
    session = MergeSession(merge_structured(empty, ours, theirs), str(tmp_path / "m.ipynb"))
    app = create_mergetool_app(session, TOKEN)
    client = app.test_client()
    html = client.get(f"/{TOKEN}/merge").get_data(as_text=True)
    assert "2 conflicts · 0 resolved" in html and "added on local only (no common base)" in html
    assert "remote: leave it out" in html
    resp = client.post(SAVE, headers=WRITER, json={"choices": {"0": "remote", "1": "remote"}})
    assert resp.get_json()["unresolved"] == 0
    assert ["".join(c["source"]) for c in json.loads((tmp_path / "m.ipynb").read_text())["cells"]] == ["a = 2"]
