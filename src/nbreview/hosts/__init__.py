"""Adapters to code hosts behind one protocol (:mod:`.protocol`): ``github`` and ``gitlab``.

Each host package gives the webhook's side (verification, event mapping), the job's side (a
change's notebooks, its one sticky note, pictures) and the review page's side (threads, comments,
draft reviews: :class:`~.protocol.ReviewHost`, driven by the host-neutral :mod:`.review` session).
The bot's runtime picks the adapter here, by the request's event header or the job's ``host``,
and knows no host itself. A third host is one more package beside these two, and its tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbreview.hosts.protocol import Headers, HostsConfig, NoteHost, WebhookHost


def webhook_hosts() -> tuple[WebhookHost, ...]:
    """Every host's webhook side, GitHub's first (it answers requests that name no host)."""
    from nbreview.hosts.github.webhook import GitHubHooks
    from nbreview.hosts.gitlab.webhook import GitLabHooks

    return (GitHubHooks(), GitLabHooks())


def webhook_host(hosts: tuple[WebhookHost, ...], headers: Headers) -> WebhookHost:
    """The host whose event header the request carries (the first host when none does)."""
    return next((h for h in hosts if h.claims(headers)), hosts[0])


def note_hosts(config: HostsConfig) -> dict[str, NoteHost]:
    """Every host's job side by the name a :class:`~nbreview.hosts.protocol.Change` carries: GitHub as
    the app's installation, GitLab with the configured token."""
    from nbreview.hosts.github.job import GitHubNotes
    from nbreview.hosts.gitlab.job import GitLabNotes

    return {"github": GitHubNotes(config), "gitlab": GitLabNotes(config.gitlab_url, config.gitlab_token)}
