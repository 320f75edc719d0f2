"""GitHub requests a review page and the bot's sticky comment spend on a pull request with many threads.

A pull request on the fake GitHub (tests/fakegithub, on 127.0.0.1, every request counted) holds
``--comments`` review comments (default 10,000; one in four starts a thread, the rest are
replies). Measured: ``nbreview review`` opening the pull request, its first thread load, a
reload while nothing changed (every list page answered 304 through ETags, which GitHub does
not count against the rate limit), and the bot's thread list for the sticky comment.
Target: the threads of 10,000 comments in <= 110 REST requests (before: 5,006 for one load);
the resolved states come from GraphQL (100 threads a query, GitHub's separate GraphQL budget)
and are counted apart.
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
        return 0 if first <= 110 else 1


if __name__ == "__main__":
    raise SystemExit(main())
