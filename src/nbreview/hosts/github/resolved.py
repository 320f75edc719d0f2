"""Which review threads are resolved, and resolving them: GitHub's GraphQL API, behind a capability check.

GitHub's REST API says nothing about resolution; its GraphQL API has ``reviewThreads { isResolved }``
and the ``resolveReviewThread`` / ``unresolveReviewThread`` mutations. A server without GraphQL
(an old GitHub Enterprise, a proxy, the REST-only test fake) answers the first query with an
error: then :class:`Resolution` says so once and every thread simply counts as open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from github.Requester import Requester

THREADS = """query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) {
    reviewThreads(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id isResolved comments(first: 1) { nodes { databaseId } } } } } } }"""
SET = """mutation($id: ID!) { %s(input: {threadId: $id}) { thread { id isResolved } } }"""


@dataclass
class Resolution:
    """The resolved state of a pull request's threads, keyed by the id of each thread's first comment."""

    requester: Requester
    repo: str
    number: int
    available: bool | None = None  # None: not asked yet; False: no GraphQL here
    threads: dict[int, tuple[str, bool]] = field(default_factory=dict)  # root comment id -> (node id, resolved)
    requests: int = 0

    def read(self) -> dict[int, tuple[str, bool]]:
        """Every thread's state (100 per request); empty when GraphQL is not available."""
        from github import GithubException
        from requests.exceptions import RequestException

        if self.available is False:
            return {}
        owner, _, name = self.repo.partition("/")
        out: dict[int, tuple[str, bool]] = {}
        after: str | None = None
        try:
            while True:
                self.requests += 1
                _h, data = self.requester.graphql_query(
                    THREADS, {"owner": owner, "name": name, "number": self.number, "after": after})
                page = data["data"]["repository"]["pullRequest"]["reviewThreads"]
                for node in page["nodes"]:
                    first = node["comments"]["nodes"]
                    if first and isinstance(first[0].get("databaseId"), int):
                        out[first[0]["databaseId"]] = (str(node["id"]), bool(node["isResolved"]))
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
        except (GithubException, RequestException, KeyError, TypeError):
            if self.available is None:
                self.available = False  # no GraphQL here: REST only, every thread open
                return {}
            raise
        self.available, self.threads = True, out
        return out

    def set(self, root_id: int, resolved: bool) -> bool:
        """Resolve or unresolve the thread that starts with comment ``root_id``; its new state."""
        node = self.threads.get(root_id)
        if node is None:
            raise KeyError(root_id)
        name = "resolveReviewThread" if resolved else "unresolveReviewThread"
        self.requests += 1
        _h, data = self.requester.graphql_query(SET % name, {"id": node[0]})
        state = bool(data["data"][name]["thread"]["isResolved"])
        self.threads[root_id] = (node[0], state)
        return state

