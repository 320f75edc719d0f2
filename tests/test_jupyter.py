"""The nbreview Jupyter Server extension, through a real ``jupyter lab`` on 127.0.0.1.

The server runs under a non-root ``base_url`` (as on JupyterHub) in a temporary git
repository. Each test works on its own notebook: the page for a notebook against its last
checkpoint (made through the server's contents API), git HEAD, the index and any revision; its
images; and what a request without Jupyter's login gets from every handler (nothing).
"""

from __future__ import annotations

import base64
import html as html_module
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.jupyter import (
    LABEXTENSION,
    VENV_BIN,
    Lab,
    git,
    notebook,
    require_server_extension,
    running_lab,
    write_notebook,
)

BASE = "/hub/user/ana/"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_server_extension()
    with running_lab(tmp_path_factory.mktemp("lab"), base_url=BASE) as running:
        yield running


def committed(lab: Lab, name: str, *sources: str) -> Path:
    """A notebook ``name`` committed to the lab's repository; returns its path."""
    path = lab.root / name
    write_notebook(path, notebook(*sources))
    git(lab.root, "add", name)
    git(lab.root, "commit", "-q", "-m", f"add {name}")
    return path


def page(lab: Lab, name: str, query: str) -> str:
    status, headers, body = lab.get(f"/nbreview/diff/{name}?{query}")
    assert status == 200, body[:300]
    assert headers["Content-Type"].startswith("text/html")
    return body.decode("utf-8")


def cell_sources(html: str) -> str:
    """The page's text without tags (the page splits changed lines into spans)."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def png(colour: tuple[int, int, int]) -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def test_head_page_shows_the_saved_change_under_the_base_url(lab: Lab) -> None:
    path = committed(lab, "head.ipynb", "alpha = 1", "beta = 2")
    write_notebook(path, notebook("alpha = 1", "beta = 20000"))
    html = page(lab, "head.ipynb", "old=HEAD")
    text = cell_sources(html)
    assert "HEAD:head.ipynb" in text and "beta = 20000" in text
    assert f'href="{BASE}nbreview/static/review.css"' in html
    assert "<script>" not in html, "no inline script: the CSP forbids it"
    status, headers, _ = lab.get("/nbreview/diff/head.ipynb?old=HEAD")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp and "default-src 'none'" in csp


def test_checkpoint_page_reads_the_contents_managers_checkpoint(lab: Lab) -> None:
    path = committed(lab, "cp.ipynb", "x = 'before'")
    status, _, body = lab.get("/nbreview/diff/cp.ipynb?old=checkpoint")
    assert status == 404 and b"no checkpoint yet" in body
    lab.api("POST", "/api/contents/cp.ipynb/checkpoints", {})
    write_notebook(path, notebook("x = 'after the checkpoint'"))
    text = cell_sources(page(lab, "cp.ipynb", "old=checkpoint"))
    assert "cp.ipynb (checkpoint)" in text
    assert "after the checkpoint" in text and "before" in text


def test_index_and_revisions(lab: Lab) -> None:
    path = committed(lab, "idx.ipynb", "a = 'one'")
    first = git(lab.root, "rev-parse", "HEAD").strip()
    write_notebook(path, notebook("a = 'staged'"))
    git(lab.root, "add", "idx.ipynb")
    write_notebook(path, notebook("a = 'unstaged'"))
    unstaged = cell_sources(page(lab, "idx.ipynb", "old=index"))
    assert "idx.ipynb (staged)" in unstaged and "'staged'" in unstaged and "'one'" not in unstaged
    staged = cell_sources(page(lab, "idx.ipynb", "old=HEAD&new=index"))
    assert "'one'" in staged and "'staged'" in staged and "'unstaged'" not in staged
    by_sha = cell_sources(page(lab, "idx.ipynb", f"old={first}"))
    assert f"{first}:idx.ipynb" in by_sha and "'unstaged'" in by_sha


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("old=--output=/tmp/x", 400, "is not a revision"),
        ("old=no-such-branch", 404, "no revision"),
        ("old=HEAD&new=-p", 400, "is not a revision"),
    ],
)
def test_bad_revisions_are_one_line_errors(lab: Lab, query: str, status: int, words: str) -> None:
    if not (lab.root / "bad.ipynb").exists():
        committed(lab, "bad.ipynb", "z = 0")
    got, headers, body = lab.get(f"/nbreview/diff/bad.ipynb?{query}")
    assert got == status and words in body.decode()
    assert headers["Content-Type"].startswith("text/plain") and body.count(b"\n") == 1


def test_paths_outside_the_root_and_missing_notebooks_are_refused(lab: Lab) -> None:
    for path in ("../../../../etc/x.ipynb", "missing.ipynb", "%2e%2e/%2e%2e/x.ipynb"):
        status, _, body = lab.get(f"/nbreview/diff/{path}?old=HEAD")
        assert status in (400, 404), (path, status)
        assert b"Traceback" not in body


def image_page(lab: Lab, name: str) -> str:
    """The HEAD page of a committed notebook whose one output image changed red -> blue."""
    nb = notebook("plot()  # secret: do not leak")
    output = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png((255, 0, 0))}}
    nb["cells"][0]["outputs"] = [output]  # type: ignore[index]
    write_notebook(lab.root / name, nb)
    git(lab.root, "add", name)
    git(lab.root, "commit", "-q", "-m", f"add {name}")
    output["data"] = {"image/png": png((0, 0, 255))}
    write_notebook(lab.root / name, nb)
    return page(lab, name, "old=HEAD")


def test_images_are_served_from_the_view_with_their_own_csp(lab: Lab) -> None:
    from PIL import Image

    html = image_page(lab, "img.ipynb")
    urls = sorted(set(re.findall(r'src="([^"]+/img/(?:old|new)/0/0/image/png)"', html)))
    assert len(urls) == 2 and all(u.startswith(f"{BASE}nbreview/view/") for u in urls)
    seen = []
    for url in urls:
        status, headers, body = lab.get(url.removeprefix(BASE.rstrip("/")))
        assert status == 200 and headers["Content-Type"] == "image/png"
        assert "sandbox" in headers["Content-Security-Policy"]
        seen.append(Image.open(io.BytesIO(body)).getpixel((0, 0)))
    assert sorted(seen) == [(0, 0, 255), (255, 0, 0)]


def test_every_handler_refuses_a_request_without_login(lab: Lab) -> None:
    html = image_page(lab, "auth.ipynb")
    view = re.search(r"/nbreview/view/([A-Za-z0-9_-]+)/f/0/img/", html)
    assert view, "the page's images name its view"
    view_path = f"/nbreview/view/{view[1]}/f/0"
    status, _, body = lab.get(view_path)
    assert status == 200 and b"do not leak" in body, "with the login, the view's page is there"
    paths = [
        "/nbreview/diff/auth.ipynb?old=HEAD",
        "/nbreview/diff/auth.ipynb?old=checkpoint",
        view_path,
        f"{view_path}/img/new/0/0/image/png",
        f"{view_path}/att/new/0/image/png/a.png",
        f"{view_path}/imgdiff/0/0/0/0/image/png",
        "/nbreview/static/review.css",
        "/nbreview/static/pygments.css",
    ]
    for path in paths:
        status, headers, body = lab.get(path, auth=False)
        assert status in (302, 403), (path, status)
        if status == 302:
            assert "/login" in headers["Location"], path
        assert b"leak" not in body and b"\x89PNG" not in body, path


def test_server_extension_is_listed_enabled(lab: Lab) -> None:
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(lab.root.parent / "home" / "config")}
    out = subprocess.run([str(VENV_BIN / "jupyter"), "server", "extension", "list"], env=env,
                         capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    assert re.search(r"nbreview\.jupyter\s+enabled", text) and re.search(r"nbreview\.jupyter\s+OK", text)


def _sections(text: str, heading: str) -> dict[str, str]:
    """``jupyter ... list`` output split by its folder headings (``Config dir: X`` / a bare path)."""
    out: dict[str, str] = {}
    current = ""
    for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines():
        if line.startswith(heading or "/"):
            current = line.removeprefix(heading).strip().rstrip(":")
        elif current:
            out[current] = out.get(current, "") + line + "\n"
    return out


def test_the_wheel_installs_and_enables_both_extensions(tmp_path: Path) -> None:
    """``pip install`` of the wheel alone enables the server extension and the prebuilt labextension."""
    from support.jupyter import require_labextension
    from support.wheel import build_wheel

    require_labextension()
    wheel_dir, prefix = tmp_path / "wheel", tmp_path / "prefix"
    wheel_dir.mkdir()
    wheel = build_wheel(wheel_dir)
    names = set(zipfile.ZipFile(wheel).namelist())
    data = "nbreview-0.1.0.data/data/"
    assert f"{data}etc/jupyter/jupyter_server_config.d/nbreview.json" in names
    assert f"{data}share/jupyter/labextensions/nbreview/package.json" in names
    assert any(n.startswith(f"{data}share/jupyter/labextensions/nbreview/static/remoteEntry.") for n in names)
    # A fresh venv whose own site-packages gets the wheel; the jupyter packages come from this venv.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True, timeout=120)
    site = next(prefix.glob("lib/python*/site-packages"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(prefix / "bin" / "python"), "install", "--no-deps",
                    "--ignore-installed", "--quiet", str(wheel)], check=True, capture_output=True, timeout=300)
    # Only now (pip must not see, nor uninstall, this venv's editable nbreview): the jupyter packages.
    (site / "deps.pth").write_text(next(p for p in sys.path if p.endswith("site-packages")) + "\n")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    python = str(prefix / "bin" / "python")
    where = subprocess.run([python, "-c", "import nbreview.jupyter; print(nbreview.jupyter.__file__)"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.startswith(str(site)), "the wheel's copy, not the checkout's"
    servers = subprocess.run([python, "-m", "jupyter_server", "extension", "list"], env=env, capture_output=True,
                             text=True, timeout=120)
    mine = _sections(servers.stdout + servers.stderr, "Config dir:")[str(prefix / "etc" / "jupyter")]
    assert re.search(r"nbreview\.jupyter\s+enabled", mine) and re.search(r"nbreview\.jupyter\s+OK", mine), mine
    labs = subprocess.run([python, "-m", "jupyterlab.labextensions", "list"], env=env, capture_output=True, text=True,
                          timeout=120)
    folder = str(prefix / "share" / "jupyter" / "labextensions")
    assert re.search(r"nbreview v0\.1\.0\s+enabled\s+OK", _sections(labs.stdout + labs.stderr, "")[folder])
    built = json.loads(LABEXTENSION.read_text())
    assert built["jupyterlab"]["_build"]["load"].startswith("static/remoteEntry.")


def test_checkpoint_through_the_generic_checkpoints_api(tmp_path: Path) -> None:
    """A contents manager whose checkpoints are read back through ``get_notebook_checkpoint`` (any storage)."""
    require_server_extension()
    services = "jupyter_server.services.contents"
    extra = (f"--ServerApp.contents_manager_class={services}.filemanager.FileContentsManager",
             f"--FileContentsManager.checkpoints_class={services}.filecheckpoints.GenericFileCheckpoints")
    with running_lab(tmp_path, extra=extra) as lab:
        lab.api("POST", "/api/contents/analysis/nb.ipynb/checkpoints", {})
        write_notebook(lab.root / "analysis" / "nb.ipynb", notebook("total = 1 + 1", "print('generic')"))
        text = cell_sources(page(lab, "analysis/nb.ipynb", "old=checkpoint"))
        assert "analysis/nb.ipynb (checkpoint)" in text and "'generic'" in text and "committed line" in text


def test_pull_request_page_reads_the_notebooks_with_the_servers_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``nbreview/pr/OWNER/NAME/N``: the pull request's notebooks from (a fake) GitHub; without a token, one line
    that says where to put it; with ``c.Nbreview.github_token`` and ``github_api_url``, the page."""
    from fakegithub import SHARED_API, serve
    from support.review_world import REPO, REVIEWER, build

    require_server_extension()
    if not (SHARED_API / "openapi-subset.json").exists():
        pytest.skip("../shared/github-api is not present")
    repo, fake = build(tmp_path / "gh")
    number = fake.open_pull(REPO, "main", "feature")
    with serve(fake) as api_url:
        monkeypatch.setenv("GITHUB_API_URL", api_url)
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        with running_lab(tmp_path / "no-token") as lab:
            status, _, body = lab.get(f"/nbreview/pr/{REPO}/{number}")
            assert status == 400 and b"no GitHub token: set GITHUB_TOKEN" in body and b"c.Nbreview.github_token" in body
        monkeypatch.delenv("GITHUB_API_URL")  # the server's configuration names both, as jupyter_server_config.py would
        config = (f"--Nbreview.github_token={REVIEWER}", f"--Nbreview.github_api_url={api_url}")
        with running_lab(tmp_path / "lab", extra=config) as lab:
            text = cell_sources(page_at(lab, f"/nbreview/pr/{REPO}/{number}"))
            assert "nb/example.ipynb@" in text and "modified" in text
            assert lab.get(f"/nbreview/pr/{REPO}/{number}", auth=False)[0] in (302, 403)
            status, _, body = lab.get(f"/nbreview/pr/{REPO}/999")
            assert status in (400, 404) and body.count(b"\n") == 1
    assert fake.schema_errors == []


def page_at(lab: Lab, path: str) -> str:
    status, _, body = lab.get(path)
    assert status == 200, body[:300]
    return body.decode("utf-8")
