"""GitHub requests a review page and the bot's sticky comment spend on a pull request with many threads.

A pull request on the fake GitHub (tests/fakegithub, on 127.0.0.1, every request counted) holds
``--comments`` review comments (default 10,000; one in four starts a thread, the rest are
replies). Measured: ``nbreview review`` opening the pull request, its first thread load, a
reload while nothing changed (every list page answered 304 through ETags, which GitHub does
not count against the rate limit), and the bot's thread list for the sticky comment.
Target: the threads of 10,000 comments in <= 110 REST requests (before: 5,006 for one load);
the resolved states come from GraphQL (100 threads a query, GitHub's separate GraphQL budget)
and are counted apart.
The same on a GitLab merge request (tests/fakegitlab; the same notes as discussions of four notes
each, every python-gitlab request counted): opening it, the first thread load and a reload. Only
requests are shown there: the fake builds every discussion for each page it answers, so its own
time (seconds for 10,000 notes) would be all a clock measured; nbreview places them in ~20 ms.
Run: ``make bench-review`` or ``.venv/bin/python benchmarks/review_threads.py [--comments N]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]
os.environ.setdefault("NBREVIEW_SHARED", str(Path(os.environ.get("NBREVIEW_SHARED", ROOT.parent / "shared"))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    args = parser.parse_args()

    from github import Auth

    from fakegithub import serve
    from nbreview.hosts.github.client import connect
    from nbreview.hosts.github.pr import Settings, open_threads
    from nbreview.hosts.github.review import GitHubReview
    from nbreview.hosts.notebooks import ChangedNotebook
    from nbreview.hosts.review import ReviewSession
    from support.review_world import OTHER, PATH, REPO, REVIEWER, build, seed_comments

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = str(Path(tmp) / "state")
        repo, fake = build(Path(tmp))
        number = fake.open_pull(REPO, "main", "feature")
        seed_comments(fake, number, args.comments, (repo / PATH).read_text())
        rows: list[tuple[str, int, int, int, float]] = []

        def measure(what: str, call: object) -> object:
            before, t0 = len(fake.log), time.perf_counter()
            result = call()  # type: ignore[operator]
            seconds = time.perf_counter() - t0
            got = [x for x in fake.log[before:] if x[1] != "/graphql"]
            graphql = len(fake.log) - before - len(got)
            rows.append((what, len(got), sum(1 for _m, _p, code in got if code == 304), graphql, seconds))
            return result

        with serve(fake, validate=False) as url:
            gh = connect(url, Auth.Token(REVIEWER), retries=1, max_rate_wait=0)
            session = ReviewSession(GitHubReview(gh, REPO, number))
            measure("nbreview review: open the pull request", session.open)
            placed = measure("first thread load", lambda: session.threads(lambda text: text))
            measure("reload, nothing changed", lambda: session.threads(lambda text: text))
            bot = connect(url, Auth.Token(OTHER), retries=1, max_rate_wait=0)
            r = bot.get_repo(REPO)
            pr = r.get_pull(number)
            notebooks = [ChangedNotebook(PATH, PATH, "modified", None, b"", (repo / PATH).read_bytes())]
            measure("bot: sticky comment's thread list",
                    lambda: open_threads(r, pr, notebooks, Settings(url, log=lambda line: None)))
        threads = placed[0]  # type: ignore[index]
        print(f"{args.comments:,} review comments, {len(threads):,} threads")
        print(f"{'step':<40} {'REST requests':>14} {'of them 304':>12} {'GraphQL':>8} {'seconds':>8}")
        for what, n, not_modified, graphql, seconds in rows:
            print(f"{what:<40} {n:>14} {not_modified:>12} {graphql:>8} {seconds:>8.2f}")
        first = rows[1][1]
        print(f"target: threads in <= 110 REST requests: {'met' if first <= 110 else 'MISSED'} ({first})")
    gitlab_rows(args.comments)
    return 0 if first <= 110 else 1


def gitlab_rows(comments: int) -> None:
    """The merge request's side: requests and seconds of opening it and loading its threads."""
    from gitlab.client import Gitlab

    from fakegitlab import FakeGitLab, serve
    from nbreview.hosts.gitlab.client import connect
    from nbreview.hosts.gitlab.review import GitLabReview
    from nbreview.hosts.review import ReviewSession
    from support.review_hosts import GITLAB_REVIEWER, PATH, example_texts, hunks_of, json_line

    base, head = example_texts()
    fake = FakeGitLab()
    mr = fake.open_mr(5, {PATH: base.encode()}, {PATH: head.encode()})
    v = mr.versions[-1]
    hunks = hunks_of(base, head)
    lines = [json_line(head, 6, k) for k in (1, 2, 3)]
    for k in range(0, comments, 4):
        old, new = hunks.pair("new", lines[k % 3])
        pos = {"position_type": "text", "base_sha": v.base_sha, "start_sha": v.start_sha, "head_sha": v.head_sha,
               "old_path": PATH, "new_path": PATH, "old_line": old, "new_line": new}
        first = fake.add_discussion(5, "bob", f"comment {k}", position=pos)
        for r in range(1, min(4, comments - k)):
            fake.add_reply(5, first.discussion_id, "carol", f"comment {k + r}")
    count = [0]
    real = Gitlab.http_request

    def counted(self: Gitlab, *a: object, **kw: object) -> object:
        count[0] += 1
        return real(self, *a, **kw)  # type: ignore[arg-type]

    Gitlab.http_request = counted  # type: ignore[method-assign]
    rows = []
    try:
        with serve(fake) as url:
            session = ReviewSession(GitLabReview(connect(url, GITLAB_REVIEWER), url, "7", 5), lambda line: None)
            for what, call in (("nbreview review: open the merge request", session.open),
                               ("first thread load", lambda: session.threads(lambda text: text)),
                               ("reload", lambda: session.threads(lambda text: text))):
                before = count[0]
                result = call()
                rows.append((what, count[0] - before))
    finally:
        Gitlab.http_request = real  # type: ignore[method-assign]
    threads = result[0]  # type: ignore[index]
    print(f"\nGitLab: {comments:,} notes, {len(threads):,} discussions")
    print(f"{'step':<40} {'requests':>14}")
    for what, n in rows:
        print(f"{what:<40} {n:>14}")


if __name__ == "__main__":
    raise SystemExit(main())
