"""The bot runtime's own failures (its configuration, its queue): one line for the user to fix."""

from __future__ import annotations

from nbreview.hosts.protocol import HostError


class BotError(HostError):
    """The runtime cannot go on as configured; ``transient`` as for a host's failures (retried later)."""
