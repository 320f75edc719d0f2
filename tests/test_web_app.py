"""The review server through Flask's test client: every route, the secret prefix, the Host check, the CSP.

The write guard itself (token header, Origin, bad bodies) is tested in tests/test_web_security.py."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient

from nbreview.io.load import LoadedNotebook, load
from nbreview.web.app import CSP, create_app
from support.paths import EXAMPLE_NEW, EXAMPLE_OLD, FIXTURES

TOKEN = "test-token-0123456789abcdef"
P = f"/{TOKEN}"  # every URL of the server sits under the secret prefix


@dataclass
class Pair:
    path: str
    old: LoadedNotebook
    new: LoadedNotebook
    status: str = "modified"


class Elements(HTMLParser):
    """Every element of a page with its attributes, as the browser would parse them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.items: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append((tag, dict(attrs)))


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def make_app(pairs: list[Pair] | None = None, **config: Any) -> Any:
    if pairs is None:
        pairs = [
            Pair("example.ipynb", load(EXAMPLE_OLD), load(EXAMPLE_NEW)),
            Pair("hostile.ipynb", load(FIXTURES / "hostile" / "old.ipynb"), load(FIXTURES / "hostile" / "new.ipynb")),
        ]
    return create_app({"SOURCES": pairs, "TOKEN": TOKEN, "TESTING": True, **config})


@pytest.fixture()
def client() -> FlaskClient:
    c: FlaskClient = make_app().test_client()
    return c


def test_the_secret_prefix_opens_the_page_and_no_cookie_is_set() -> None:
    c = make_app().test_client()
    for url in (P + "/", P, P + "/f/0", P + "/static/review.js", P + "/f/0/img/new/7/0/image/png"):
        resp = c.get(url)
        assert resp.status_code == 200, url
        assert "Set-Cookie" not in resp.headers, url
    assert "fixtures/example/new.ipynb" in c.get(P + "/").get_data(as_text=True)
    assert c.get("/").status_code == 403, "nothing is remembered: every URL needs the prefix"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/f/0",
        "/f/1",
        "/pygments.css",
        "/static/review.css",
        "/static/review.js",
        "/f/0/img/new/7/0/image/png",
        "/f/0/imgdiff/5/0/7/0/image/png",
    ],
)
def test_every_route_needs_the_token(url: str) -> None:
    c = make_app().test_client()
    assert c.get(url).status_code == 403
    assert c.get(url + "?token=" + TOKEN).status_code == 403, "the old query token opens nothing"
    assert c.get("/wrong-token-xxxxxxxxxx" + url).status_code == 403
    assert c.get(P[:-1] + url).status_code == 403, "a prefix of the token is not the token"
    assert c.get(P + "x" + url).status_code == 403
    assert c.get(P + url).status_code == 200


def test_posts_need_the_token_too() -> None:
    c = make_app().test_client()
    assert c.post("/api/heartbeat").status_code == 403
    assert c.post("/api/closed").status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example", "10.0.0.1"])
def test_foreign_host_header_is_refused(client: FlaskClient, host: str) -> None:
    resp = client.get(P + "/", headers={"Host": host})
    assert resp.status_code == 403
    assert b"Host" in resp.data


@pytest.mark.parametrize("host", ["127.0.0.1:8888", "localhost:1234", "[::1]:80", "localhost"])
def test_local_host_headers_are_accepted(client: FlaskClient, host: str) -> None:
    assert client.get(P + "/f/0", headers={"Host": host}).status_code == 200


def test_extra_allowed_host_for_ip_option() -> None:
    c = make_app(ALLOWED_HOSTS=["192.168.1.5"]).test_client()
    assert c.get(P + "/", headers={"Host": "192.168.1.5:8000"}).status_code == 200
    assert c.get(P + "/", headers={"Host": "192.168.1.6:8000"}).status_code == 403


def test_csp_and_security_headers_on_every_response(client: FlaskClient) -> None:
    for url in ["/", "/f/1", "/static/review.js", "/pygments.css", "/nope", "/f/9"]:
        resp = client.get(P + url)
        assert resp.headers["Content-Security-Policy"] == CSP, url
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert "script-src 'self'" in CSP and "default-src 'none'" in CSP
    denied = make_app().test_client().get("/")
    assert denied.status_code == 403 and denied.headers["Content-Security-Policy"] == CSP


def test_page_uses_only_static_scripts(client: FlaskClient) -> None:
    page = client.get(P + "/f/1").get_data(as_text=True)
    elements = Elements(page).items
    scripts = [attrs for tag, attrs in elements if tag == "script"]
    assert scripts == [{"src": P + "/static/boot.js"}, {"src": P + "/static/api.js"},
                       {"src": P + "/static/review.js", "defer": None}]
    for tag, attrs in elements:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "data-src", "action", "data"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "http:", "https:")), (tag, attrs)
        assert tag not in ("iframe", "object", "embed", "style", "base", "meta", "form") or tag == "meta" and (
            "charset" in attrs or attrs.get("name") in ("viewport", "referrer")
        ), (tag, attrs)
    assert "covered" in visible_text(page)  # the break-out attempt is shown as harmless text


def test_file_list_and_navigation(client: FlaskClient) -> None:
    html = client.get(P + "/f/1").get_data(as_text=True)
    assert '<nav class="files"' in html
    assert f'href="{P}/f/0"' in html and "example.ipynb" in html and "hostile.ipynb" in html
    assert '<li class="cur" aria-current="page">' in html
    assert f'<link rel="prev" href="{P}/f/0">' in html
    first = client.get(P + "/f/0").get_data(as_text=True)
    assert f'<link rel="next" href="{P}/f/1">' in first


def test_single_notebook_has_no_file_list() -> None:
    c = make_app([Pair("example.ipynb", load(EXAMPLE_OLD), load(EXAMPLE_NEW))]).test_client()
    page = c.get(P + "/").get_data(as_text=True)
    assert '<nav class="files"' not in page
    assert "4 modified · 1 added · 1 moved · 3 with outputs changed · 1 image changed" in visible_text(page)


def test_images_are_lazy_urls_with_sizes(client: FlaskClient) -> None:
    html = client.get(P + "/").get_data(as_text=True)
    assert "data:image/png" not in html, "the server links images, it does not inline them"
    imgs = re.findall(r"<img [^>]*>", html)
    served = [i for i in imgs if f'src="{P}/f/0/img/' in i]
    assert len(served) >= 2
    for tag in served:
        assert 'loading="lazy"' in tag
        assert 'width="240" height="160"' in tag
    assert f'data-src="{P}/f/0/imgdiff/5/0/7/0/image/png"' in html


def test_image_route_serves_the_notebook_image(client: FlaskClient) -> None:
    from PIL import Image

    resp = client.get(P + "/f/0/img/new/7/0/image/png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert Image.open(io.BytesIO(resp.data)).size == (240, 160)
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    old = client.get(P + "/f/0/img/old/5/0/image/png")
    assert old.status_code == 200 and old.data != resp.data


def test_difference_route_makes_a_png(client: FlaskClient) -> None:
    from PIL import Image

    resp = client.get(P + "/f/0/imgdiff/5/0/7/0/image/png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    img = Image.open(io.BytesIO(resp.data)).convert("RGB")
    assert img.size == (240, 160)
    assert (255, 0, 170) in {c for _, c in img.getcolors(maxcolors=100000) or []}, "changed pixels in magenta"


def test_svg_is_served_sandboxed(client: FlaskClient) -> None:
    html = client.get(P + "/f/1").get_data(as_text=True)
    m = re.search(r'src="(/[\w-]+/f/1/img/new/\d+/\d+/image/svg\+xml)"', html)
    assert m, "the hostile SVG is shown as an <img>"
    resp = client.get(m.group(1))
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert resp.headers["Content-Security-Policy"].endswith("sandbox")


@pytest.mark.parametrize(
    "url",
    [
        "/f/2",
        "/f/-1",
        "/f/0/img/new/99/0/image/png",
        "/f/0/img/new/7/5/image/png",
        "/f/0/img/both/7/0/image/png",
        "/f/0/img/new/7/0/text/html",
        "/f/0/img/new/7/0/image/png/../../../../etc/passwd",
        "/f/0/img/new/7/0/..%2f..%2fetc%2fpasswd",
        "/f/0/att/new/0/image/png/x.png",
        "/f/0/imgdiff/5/0/7/0/image/svg+xml",
        "/f/5/imgdiff/5/0/7/0/image/png",
        "/etc/passwd",
        "/static/../pyproject.toml",
        "/file?path=/etc/passwd",
    ],
)
def test_unknown_things_are_404(client: FlaskClient, url: str) -> None:
    resp = client.get(P + url)
    assert resp.status_code == 404, url
    assert resp.mimetype == "text/plain"


def test_methods_are_checked(client: FlaskClient) -> None:
    writer = {"X-Nbreview-Token": TOKEN, "Origin": "http://localhost"}
    assert client.post(P + "/", headers=writer).status_code == 405
    assert client.get(P + "/api/closed").status_code == 405


def test_heartbeat_and_closed_update_the_lifecycle() -> None:
    from nbreview.web.app import Lifecycle

    life = Lifecycle()
    c = make_app(LIFECYCLE=life, DIFFTOOL=True).test_client()
    page = c.get(P + "/").get_data(as_text=True)
    assert 'data-difftool="1"' in page
    assert life.last_seen > 0
    writer = {"X-Nbreview-Token": TOKEN, "Origin": "http://localhost"}
    assert c.post(P + "/api/closed", headers=writer).status_code == 204
    assert life.closed_at > 0
    assert c.post(P + "/api/heartbeat", headers=writer).status_code == 204
    assert life.closed_at == 0  # a reload reopened it


def test_attachment_route() -> None:
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    cell = {
        "cell_type": "markdown",
        "metadata": {},
        "source": "![dot](attachment:dot.png) changed",
        "attachments": {"dot.png": {"image/png": png}, "a/b %41.png": {"image/png": png}},
    }
    old = {"cells": [dict(cell, source="![dot](attachment:dot.png)")], "metadata": {}, "nbformat": 4}
    new = {"cells": [cell], "metadata": {}, "nbformat": 4}
    c = make_app([Pair("a.ipynb", load(old, "old"), load(new, "new"))]).test_client()
    html = c.get(P + "/").get_data(as_text=True)
    assert f'src="{P}/f/0/att/new/0/image/png/dot.png"' in html
    resp = c.get(P + "/f/0/att/new/0/image/png/dot.png")
    assert resp.status_code == 200 and resp.data.startswith(b"\x89PNG")
    from nbreview.web.app import ServerLinks

    odd = ServerLinks(0, P).attachment("new", 0, "a/b %41.png", "image/png")
    assert odd == P + "/f/0/att/new/0/image/png/a%2Fb%20%2541.png"
    assert c.get(odd).status_code == 200
    assert c.get(P + "/f/0/att/new/0/image/png/missing.png").status_code == 404


def test_no_notebooks_is_a_plain_message() -> None:
    c = make_app([]).test_client()
    resp = c.get(P + "/")
    assert resp.status_code == 200 and b"nothing to review" in resp.data


def test_create_app_refuses_a_weak_token() -> None:
    with pytest.raises(ValueError):
        create_app({"SOURCES": [], "TOKEN": "short"})


def test_routes_are_all_tested() -> None:
    """A new route must come with tests here: the list of rules is fixed."""
    rules = sorted(str(r) for r in make_app().url_map.iter_rules())
    assert rules == sorted(
        [
            "/",
            "/f/<int:index>",
            "/pygments.css",
            "/static/<path:filename>",
            "/f/<int:index>/img/<side>/<int:cell>/<int:output>/<path:mime>",
            "/f/<int:index>/att/<side>/<int:cell>/<path:rest>",
            "/f/<int:index>/imgdiff/<int:old_cell>/<int:old_output>/<int:new_cell>/<int:new_output>/<path:mime>",
            "/api/heartbeat",
            "/api/closed",
        ]
    )
