"""A small fake of the GitHub REST API (the part nbreview's bot uses), as a Flask app.

State lives in :class:`FakeGitHub`: repositories over one git object store with real object
ids, pull requests between two refs, issue comments, tokens with their logins and rights,
GitHub App installations, and faults injected on demand (rate limits, 5xx). Response bodies
start from the examples in GitHub's OpenAPI description and are filled with the fake's own
data, so they validate against the official schemas (``schema.py`` checks every answer). Every
JSON answer to a GET carries an ``ETag``; a request whose ``If-None-Match`` names it gets 304, as
GitHub's conditional requests do. ``log`` records every request (the benchmarks count them).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, abort, g, request

from .store import Store

SHARED_API = Path(os.environ.get("NBREVIEW_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "github-api"
ONE_MB = 1024 * 1024


@dataclass
class Token:
    login: str
    write: bool = True
    user_id: int = 1
    can_read_user: bool = True


@dataclass
class Fault:
    method: str
    path_re: str
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    times: int = 1


@dataclass
class Comment:
    id: int
    issue: int
    repo: str
    body: str
    login: str
    user_id: int
    created: float
    updated: float


@dataclass
class PullRequest:
    number: int
    repo: str
    base_ref: str
    head_ref: str
    title: str
    head_repo: str | None = None  # a fork's full name; None: same repository
    user: str = "contributor"


@dataclass
class FakeGitHub:
    spec_dir: Path = SHARED_API
    store: Store = field(default_factory=Store)
    refs: dict[str, dict[str, str]] = field(default_factory=dict)  # repo -> refname -> sha
    pulls: dict[tuple[str, int], PullRequest] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    app_slug: str = "nbreview-app"
    app_installations: dict[int, str] = field(default_factory=dict)  # id -> token handed out
    faults: list[Fault] = field(default_factory=list)
    delays: list[tuple[str, float]] = field(default_factory=list)  # (path regex, seconds): a slow GitHub
    log: list[tuple[str, str, int]] = field(default_factory=list)
    comment_writes: list[tuple[int, str]] = field(default_factory=list)  # (comment id, body) in order written
    schema_errors: list[str] = field(default_factory=list)
    review_comments: dict[int, Any] = field(default_factory=dict)  # id -> reviews.ReviewComment
    reviews: dict[int, Any] = field(default_factory=dict)  # id -> reviews.Review
    next_id: int = 1000
    graphql: bool = True  # False: a REST-only server (POST /graphql answers 404)
    resolved: set[int] = field(default_factory=set)  # first comment ids of the resolved threads
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        spec = json.loads((self.spec_dir / "openapi-subset.json").read_text())
        self.examples: dict[str, Any] = spec["components"]["examples"]

    # ---- setup helpers for tests
    def add_repo(self, full_name: str, refs: dict[str, str]) -> None:
        self.refs[full_name] = dict(refs)

    def open_pull(self, repo: str, base: str, head: str, title: str = "Update notebooks", **kw: Any) -> int:
        number = 1 + max([n for (r, n) in self.pulls if r == repo], default=0)
        self.pulls[(repo, number)] = PullRequest(number, repo, base, head, title, **kw)
        return number

    def fail(
        self,
        method: str,
        path_re: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        message: str = "Server Error",
    ) -> None:
        self.faults.append(Fault(method, path_re, status, headers or {}, {"message": message}, times))

    def comments_on(self, repo: str, issue: int) -> list[Comment]:
        return [c for c in self.comments.values() if c.repo == repo and c.issue == issue]

    def branch_files(self, repo: str, branch: str) -> dict[str, bytes]:
        sha = self.refs[repo].get(f"refs/heads/{branch}")
        if sha is None:
            return {}
        tree = str(self.store.commit_info(sha)["tree"])
        return {p: self.store.get(s) or b"" for p, (_m, s) in self.store.flatten(tree).items()}

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id


def _example(fake: FakeGitHub, name: str) -> Any:
    value = copy.deepcopy(fake.examples[name]["value"])
    base = g.base
    return json.loads(json.dumps(value).replace("https://api.github.com", base))


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def create_app(fake: FakeGitHub) -> Flask:
    app = Flask("fakegithub")

    def user_json(login: str, uid: int = 1) -> dict[str, Any]:
        u = _example(fake, "issue-comment")["user"]
        u.update(
            login=login,
            id=uid,
            node_id=f"U_{uid}",
            url=f"{g.base}/users/{login}",
            html_url=f"{g.web}/{login}",
            type="Bot" if login.endswith("[bot]") else "User",
        )
        for k in list(u):
            if k.endswith("_url") and k not in ("html_url", "avatar_url"):
                u[k] = f"{g.base}/users/{login}/{k[:-4]}"
        return u

    def repo_url(repo: str) -> str:
        return f"{g.base}/repos/{repo}"

    def need_repo(repo: str) -> dict[str, str]:
        if repo not in fake.refs:
            abort(
                Response(
                    json.dumps(
                        {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}
                    ),
                    404,
                    content_type="application/json",
                )
            )
        return fake.refs[repo]

    def err(status: int, message: str) -> Response:
        return Response(
            json.dumps(
                {"message": message, "documentation_url": "https://docs.github.com/rest", "status": str(status)}
            ),
            status,
            content_type="application/json",
        )

    def js(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        r = Response(json.dumps(value), status, content_type="application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            r.headers[k] = v
        return r

    def paginate(items: list[Any], to_json: Any = None) -> Response:
        per_page = min(int(request.args.get("per_page", 30)), 100)
        page = max(int(request.args.get("page", 1)), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        if to_json is not None:  # only the page's items are turned into JSON
            chunk = [to_json(x) for x in chunk]
        last = max(1, -(-len(items) // per_page))
        links = []
        base_url = request.base_url
        if page < last:
            links.append(f'<{base_url}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base_url}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base_url}?per_page={per_page}&page={page - 1}>; rel="prev"')
            links.append(f'<{base_url}?per_page={per_page}&page=1>; rel="first"')
        return js(chunk, headers={"Link": ", ".join(links)} if links else None)

    @app.before_request
    def _before() -> Response | None:
        g.base = request.host_url.rstrip("/")
        g.web = g.base
        if request.path.startswith(("/app", "/_")) or "/raw/" in request.path:
            g.token = None
        else:
            auth = request.headers.get("Authorization", "")
            tok = auth.split(" ", 1)[1] if " " in auth else ""
            g.token = fake.tokens.get(tok)
            if auth and g.token is None:
                return err(401, "Bad credentials")
        for path_re, seconds in list(fake.delays):
            if re.search(path_re, request.path):
                time.sleep(seconds)
        for f in list(fake.faults):
            if f.method in (request.method, "*") and re.search(f.path_re, request.path):
                f.times -= 1
                if f.times <= 0:
                    fake.faults.remove(f)
                fake.log.append((request.method, request.path, f.status))
                g.fault = True
                r = js(f.body, f.status)
                for k, v in f.headers.items():
                    r.headers[k] = v
                return r
        if request.method not in ("GET", "HEAD") and not request.path.startswith("/app"):
            if g.token is None:
                return err(401, "Requires authentication")
            if not g.token.write:
                return err(403, "Resource not accessible by integration")
        return None

    @app.after_request
    def _after(resp: Response) -> Response:
        if request.method == "GET" and resp.status_code == 200 and resp.is_json:
            import hashlib

            etag = '"' + hashlib.sha1(resp.get_data()).hexdigest() + '"'  # noqa: S324 - a cache key
            if etag in request.headers.get("If-None-Match", ""):
                resp = Response(status=304)  # GitHub: an unchanged answer, not counted against the limit
            resp.headers["ETag"] = etag
        if not g.get("fault"):
            fake.log.append((request.method, request.path, resp.status_code))
        resp.headers.setdefault("X-RateLimit-Limit", "5000")
        resp.headers.setdefault("X-RateLimit-Remaining", "4999")
        resp.headers.setdefault("X-RateLimit-Reset", str(int(time.time()) + 3600))
        return resp

    # ---------------------------------------------------------------- users and apps
    @app.get("/user")
    def get_user() -> Response:
        if g.token is None:
            return err(401, "Requires authentication")
        if not g.token.can_read_user:
            return err(403, "Resource not accessible by integration")
        return js(user_json(g.token.login, g.token.user_id))

    @app.get("/app")
    def get_app() -> Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return err(401, "A JSON web token could not be decoded")
        return js(
            {
                "id": 1,
                "slug": fake.app_slug,
                "name": fake.app_slug,
                "node_id": "A_1",
                "owner": user_json("octo-org", 2),
                "html_url": f"{g.web}/apps/{fake.app_slug}",
                "created_at": _iso(0),
                "updated_at": _iso(0),
                "permissions": {},
                "events": [],
            }
        )

    @app.post("/app/installations/<int:iid>/access_tokens")
    def access_token(iid: int) -> Response:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return err(401, "A JSON web token could not be decoded")
        if iid not in fake.app_installations:
            return err(404, "Not Found")
        tok = fake.app_installations[iid]
        fake.tokens[tok] = Token(f"{fake.app_slug}[bot]", True, 99, can_read_user=False)
        return js({"token": tok, "expires_at": _iso(time.time() + 3600), "permissions": {}}, 201)

    # ---------------------------------------------------------------- repositories and pulls
    @app.get("/repos/<owner>/<name>")
    def get_repo(owner: str, name: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        return js(repo_json(repo, full=True))

    def repo_json(repo: str, full: bool = False) -> dict[str, Any]:
        r = _example(fake, "full-repository-default-response")
        owner, name = repo.split("/")
        r.update(
            name=name,
            full_name=repo,
            url=repo_url(repo),
            html_url=f"{g.web}/{repo}",
            private=False,
            default_branch="main",
            owner=user_json(owner, 7),
            language="Jupyter Notebook",
        )
        r.setdefault("license", None)
        for k, v in list(r.items()):
            if isinstance(v, str) and "/repos/octocat/Hello-World" in v:
                r[k] = v.replace(f"{g.base}/repos/octocat/Hello-World", repo_url(repo))
        if not full:
            for k in ("organization", "parent", "source", "template_repository"):
                r.pop(k, None)
        r.pop("parent", None)
        r.pop("source", None)
        r.pop("template_repository", None)
        return r  # type: ignore[no-any-return]

    def pull(repo: str, number: int) -> PullRequest:
        pr = fake.pulls.get((repo, number))
        if pr is None:
            abort(err(404, "Not Found"))
        return pr

    def ref_sha(repo: str, branch: str) -> str:
        return fake.refs[repo][f"refs/heads/{branch}"]

    @app.get("/repos/<owner>/<name>/pulls/<int:number>")
    def get_pull(owner: str, name: str, number: int) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        pr = pull(repo, number)
        p = _example(fake, "pull-request")
        url = f"{repo_url(repo)}/pulls/{number}"
        p.update(
            url=url,
            number=number,
            title=pr.title,
            html_url=f"{g.web}/{repo}/pull/{number}",
            issue_url=f"{repo_url(repo)}/issues/{number}",
            comments_url=f"{repo_url(repo)}/issues/{number}/comments",
            review_comments_url=f"{url}/comments",
            commits_url=f"{url}/commits",
            state="open",
            user=user_json(pr.user, 5),
            statuses_url=f"{repo_url(repo)}/statuses/{ref_sha(repo, pr.head_ref)}",
        )
        p["base"].update(
            ref=pr.base_ref,
            sha=ref_sha(repo, pr.base_ref),
            repo=repo_json(repo),
            label=f"{owner}:{pr.base_ref}",
            user=user_json(owner, 7),
        )
        head_repo = pr.head_repo or repo
        p["head"].update(
            ref=pr.head_ref,
            sha=ref_sha(repo, pr.head_ref),
            repo=repo_json(head_repo),
            label=f"{head_repo.split('/')[0]}:{pr.head_ref}",
            user=user_json(head_repo.split("/")[0], 8),
        )
        p["_links"] = {k: {"href": url} for k in p["_links"]}
        p.update(merged=False, mergeable=True, merged_by=None, merge_commit_sha=None, requested_teams=[])
        return js(p)

    @app.get("/repos/<owner>/<name>/compare/<path:spec>")
    def compare(owner: str, name: str, spec: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        base, _, head = spec.partition("...")
        head_anc = fake.store.ancestors(head)
        base_anc = set(fake.store.ancestors(base))
        mb = next((s for s in head_anc if s in base_anc), base)
        commit = {"sha": mb, "url": f"{repo_url(repo)}/commits/{mb}", "commit": {"message": ""}}
        return js(
            {
                "url": f"{repo_url(repo)}/compare/{spec}",
                "status": "ahead",
                "merge_base_commit": commit,
                "base_commit": {"sha": base},
                "commits": [],
                "files": [],
            }
        )

    @app.get("/repos/<owner>/<name>/pulls/<int:number>/files")
    def pull_files(owner: str, name: str, number: int) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        pr = pull(repo, number)
        head = ref_sha(repo, pr.head_ref)
        base_anc = set(fake.store.ancestors(ref_sha(repo, pr.base_ref)))
        base = next(s for s in fake.store.ancestors(head) if s in base_anc)
        old = fake.store.flatten(str(fake.store.commit_info(base)["tree"]))
        new = fake.store.flatten(str(fake.store.commit_info(head)["tree"]))
        added = [p for p in new if p not in old]
        removed = [p for p in old if p not in new]
        removed_by_sha = {old[p][1]: p for p in removed}
        renamed: dict[str, str] = {}
        for p in added:
            prev = removed_by_sha.get(new[p][1])
            if prev is not None and prev not in renamed.values():
                renamed[p] = prev
        template = _example(fake, "diff-entry-items")[0]
        entries = []
        for path in sorted(set(old) | set(new)):
            e = copy.deepcopy(template)
            e.pop("previous_filename", None)
            e.pop("patch", None)
            if path in renamed:
                e.update(status="renamed", previous_filename=renamed[path])
            elif path in new and path not in old:
                e["status"] = "added"
            elif path in old and path not in new:
                if path in renamed.values():
                    continue
                e["status"] = "removed"
            elif old[path][1] != new[path][1]:
                e["status"] = "modified"
            else:
                continue
            sha = (new.get(path) or old[path])[1]
            from .reviews import hunks

            before = fake.store.get(old[path][1]) if path in old else b""
            if path in renamed:
                before = fake.store.get(old[renamed[path]][1])
            after = fake.store.get(new[path][1]) if path in new else b""
            if len(before or b"") + len(after or b"") < 3 * ONE_MB:  # GitHub leaves out the patch of huge diffs
                e["patch"] = hunks(before or b"", after or b"")[0]
            e.update(
                filename=path,
                sha=sha,
                additions=1,
                deletions=1,
                changes=2,
                blob_url=f"{g.web}/{repo}/blob/{head}/{quote(path)}",
                raw_url=f"{g.web}/{repo}/raw/{head}/{quote(path)}",
                contents_url=f"{repo_url(repo)}/contents/{quote(path)}?ref={head}",
            )
            entries.append(e)
        return paginate(entries)

    # ---------------------------------------------------------------- contents and git data
    @app.get("/repos/<owner>/<name>/contents/<path:path>")
    def contents(owner: str, name: str, path: str) -> Response:
        repo = f"{owner}/{name}"
        refs = need_repo(repo)
        ref = request.args.get("ref", "main")
        commit = refs.get(f"refs/heads/{ref}", ref)
        if fake.store.get(commit, "commit") is None:
            return err(404, f"No commit found for the ref {ref}")
        found = fake.store.lookup(commit, path)
        if found is None or found[0] == "40000":
            return err(404, "Not Found")
        data = fake.store.get(found[1]) or b""
        c = _example(fake, "content-file-response-if-content-is-a-file")
        url = f"{repo_url(repo)}/contents/{quote(path)}?ref={ref}"
        c.update(
            name=path.rsplit("/", 1)[-1],
            path=path,
            sha=found[1],
            size=len(data),
            url=url,
            git_url=f"{repo_url(repo)}/git/blobs/{found[1]}",
            html_url=f"{g.web}/{repo}/blob/{ref}/{quote(path)}",
            download_url=f"{g.web}/{repo}/raw/{ref}/{quote(path)}",
        )
        c["_links"] = {"git": c["git_url"], "self": url, "html": c["html_url"]}
        if len(data) > ONE_MB:  # GitHub: 1-100 MB files come without content
            c.update(content="", encoding="none")
        else:
            c.update(content=base64.encodebytes(data).decode(), encoding="base64")
        return js(c)

    @app.get("/repos/<owner>/<name>/git/blobs/<sha>")
    def get_blob(owner: str, name: str, sha: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        data = fake.store.get(sha, "blob")
        if data is None:
            return err(404, "Not Found")
        return js(
            {
                "content": base64.encodebytes(data).decode(),
                "encoding": "base64",
                "url": f"{repo_url(repo)}/git/blobs/{sha}",
                "sha": sha,
                "size": len(data),
                "node_id": f"B_{sha[:8]}",
            }
        )

    @app.post("/repos/<owner>/<name>/git/blobs")
    def post_blob(owner: str, name: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        body = request.get_json()
        data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else body["content"].encode()
        sha = fake.store.put("blob", data)
        return js({"url": f"{repo_url(repo)}/git/blobs/{sha}", "sha": sha}, 201)

    def tree_json(repo: str, sha: str, recursive: bool) -> dict[str, Any]:
        items = []
        if recursive:
            flat = fake.store.flatten(sha)
            for path, (mode, s) in sorted(flat.items()):
                items.append(
                    {
                        "path": path,
                        "mode": mode,
                        "type": "blob",
                        "sha": s,
                        "size": len(fake.store.get(s) or b""),
                        "url": f"{repo_url(repo)}/git/blobs/{s}",
                    }
                )
        else:
            for mode, n, s in fake.store.tree_entries(sha):
                kind = "tree" if mode == "40000" else "blob"
                item: dict[str, Any] = {
                    "path": n,
                    "mode": mode,
                    "type": kind,
                    "sha": s,
                    "url": f"{repo_url(repo)}/git/{kind}s/{s}",
                }
                if kind == "blob":
                    item["size"] = len(fake.store.get(s) or b"")
                items.append(item)
        return {"sha": sha, "url": f"{repo_url(repo)}/git/trees/{sha}", "tree": items, "truncated": False}

    @app.get("/repos/<owner>/<name>/git/trees/<sha>")
    def get_tree(owner: str, name: str, sha: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        if fake.store.get(sha, "tree") is None:
            return err(404, "Not Found")
        return js(tree_json(repo, sha, request.args.get("recursive") in ("1", "true")))

    @app.post("/repos/<owner>/<name>/git/trees")
    def post_tree(owner: str, name: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        body = request.get_json()
        files: dict[str, tuple[str, str]] = {}
        if body.get("base_tree"):
            if fake.store.get(body["base_tree"], "tree") is None:
                return err(422, "Invalid tree info")
            files = fake.store.flatten(body["base_tree"])
        for e in body["tree"]:
            if e.get("sha") is None and "content" not in e:
                files.pop(e["path"], None)
                continue
            sha = e.get("sha") or fake.store.put("blob", e["content"].encode())
            if fake.store.get(sha, "blob") is None:
                return err(422, "Invalid tree info")
            files[e["path"]] = (e["mode"], sha)
        sha = fake.store.build_tree(files)
        return js(tree_json(repo, sha, False), 201)

    def commit_json(repo: str, sha: str) -> dict[str, Any]:
        info = fake.store.commit_info(sha)
        c = _example(fake, "git-commit")
        who = info["author"]
        assert isinstance(who, dict)
        person = {"name": who["name"], "email": who["email"], "date": _iso(who["ts"])}
        c.update(
            sha=sha,
            node_id=f"C_{sha[:8]}",
            url=f"{repo_url(repo)}/git/commits/{sha}",
            html_url=f"{g.web}/{repo}/commit/{sha}",
            author=person,
            committer=dict(person),
            message=info["message"],
            tree={"sha": info["tree"], "url": f"{repo_url(repo)}/git/trees/{info['tree']}"},
            parents=[
                {"sha": p, "url": f"{repo_url(repo)}/git/commits/{p}", "html_url": f"{g.web}/{repo}/commit/{p}"}
                for p in info["parents"]
            ],
        )  # type: ignore[union-attr]
        return c  # type: ignore[no-any-return]

    @app.get("/repos/<owner>/<name>/git/commits/<sha>")
    def get_commit(owner: str, name: str, sha: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        if fake.store.get(sha, "commit") is None:
            return err(404, "Not Found")
        return js(commit_json(repo, sha))

    @app.post("/repos/<owner>/<name>/git/commits")
    def post_commit(owner: str, name: str) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        body = request.get_json()
        if fake.store.get(body["tree"], "tree") is None or any(
            fake.store.get(p, "commit") is None for p in body.get("parents", [])
        ):
            return err(422, "Tree SHA does not exist")
        sha = fake.store.put_commit(body["tree"], list(body.get("parents", [])), body["message"])
        return js(commit_json(repo, sha), 201)

    def ref_json(repo: str, name: str) -> dict[str, Any]:
        sha = fake.refs[repo][name]
        return {
            "ref": name,
            "node_id": f"R_{sha[:8]}",
            "url": f"{repo_url(repo)}/git/{name}",
            "object": {"type": "commit", "sha": sha, "url": f"{repo_url(repo)}/git/commits/{sha}"},
        }

    @app.get("/repos/<owner>/<name>/git/ref/<path:ref>")
    def get_ref(owner: str, name: str, ref: str) -> Response:
        repo = f"{owner}/{name}"
        refs = need_repo(repo)
        if f"refs/{ref}" not in refs:
            return err(404, "Not Found")
        return js(ref_json(repo, f"refs/{ref}"))

    @app.post("/repos/<owner>/<name>/git/refs")
    def post_ref(owner: str, name: str) -> Response:
        repo = f"{owner}/{name}"
        refs = need_repo(repo)
        body = request.get_json()
        if body["ref"] in refs:
            return err(422, "Reference already exists")
        if fake.store.get(body["sha"], "commit") is None:
            return err(422, "Object does not exist")
        refs[body["ref"]] = body["sha"]
        return js(ref_json(repo, body["ref"]), 201)

    @app.patch("/repos/<owner>/<name>/git/refs/<path:ref>")
    def patch_ref(owner: str, name: str, ref: str) -> Response:
        repo = f"{owner}/{name}"
        refs = need_repo(repo)
        body = request.get_json()
        full = f"refs/{ref}"
        if full not in refs:
            return err(422, "Reference does not exist")
        if not body.get("force") and refs[full] not in fake.store.ancestors(body["sha"]):
            return err(422, "Update is not a fast forward")
        refs[full] = body["sha"]
        return js(ref_json(repo, full))

    @app.get("/<owner>/<name>/raw/<branch>/<path:path>")
    def raw(owner: str, name: str, branch: str, path: str) -> Response:
        repo = f"{owner}/{name}"
        refs = need_repo(repo)
        sha = refs.get(f"refs/heads/{branch}", branch)
        if fake.store.get(sha, "commit") is None:
            return err(404, "Not Found")
        found = fake.store.lookup(sha, path)
        if found is None:
            return err(404, "Not Found")
        return Response(fake.store.get(found[1]), 200, content_type="application/octet-stream")

    # ---------------------------------------------------------------- comments
    def comment_json(c: Comment) -> dict[str, Any]:
        j = _example(fake, "issue-comment")
        j.update(
            id=c.id,
            node_id=f"IC_{c.id}",
            body=c.body,
            url=f"{repo_url(c.repo)}/issues/comments/{c.id}",
            html_url=f"{g.web}/{c.repo}/pull/{c.issue}#issuecomment-{c.id}",
            issue_url=f"{repo_url(c.repo)}/issues/{c.issue}",
            user=user_json(c.login, c.user_id),
            created_at=_iso(c.created),
            updated_at=_iso(c.updated),
            author_association="NONE",
        )
        j.pop("reactions", None)
        j.pop("performed_via_github_app", None)
        return j  # type: ignore[no-any-return]

    @app.get("/repos/<owner>/<name>/issues/<int:number>/comments")
    def list_comments(owner: str, name: str, number: int) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        pull(repo, number)
        return paginate([comment_json(c) for c in sorted(fake.comments_on(repo, number), key=lambda c: c.id)])

    @app.post("/repos/<owner>/<name>/issues/<int:number>/comments")
    def post_comment(owner: str, name: str, number: int) -> Response:
        repo = f"{owner}/{name}"
        need_repo(repo)
        pull(repo, number)
        body = request.get_json()["body"]
        if len(body) > 65536:
            return err(422, "Validation Failed: body is too long (maximum is 65536 characters)")
        now = time.time()
        c = Comment(fake.new_id(), number, repo, body, g.token.login, g.token.user_id, now, now)
        fake.comments[c.id] = c
        fake.comment_writes.append((c.id, body))
        return js(comment_json(c), 201)

    @app.patch("/repos/<owner>/<name>/issues/comments/<int:cid>")
    def patch_comment(owner: str, name: str, cid: int) -> Response:
        c = fake.comments.get(cid)
        if c is None or c.repo != f"{owner}/{name}":
            return err(404, "Not Found")
        if c.login != g.token.login:
            return err(403, "Must have admin rights to Repository.")
        body = request.get_json()["body"]
        if len(body) > 65536:
            return err(422, "Validation Failed: body is too long (maximum is 65536 characters)")
        c.body, c.updated = body, time.time()
        fake.comment_writes.append((c.id, body))
        return js(comment_json(c))

    @app.delete("/repos/<owner>/<name>/issues/comments/<int:cid>")
    def delete_comment(owner: str, name: str, cid: int) -> Response:
        c = fake.comments.get(cid)
        if c is None or c.repo != f"{owner}/{name}":
            return err(404, "Not Found")
        del fake.comments[cid]
        return Response(status=204)

    @app.get("/rate_limit")
    def rate_limit() -> Response:
        return js(_example(fake, "rate-limit-overview"))

    from .reviews import register as register_reviews

    register_reviews(
        app,
        fake,
        {"js": js, "err": err, "pull": pull, "ref_sha": ref_sha, "repo_url": repo_url, "user_json": user_json,
         "paginate": paginate, "need_repo": need_repo},
    )
    return app
