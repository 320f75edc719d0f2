"""The bot's runtime: the webhook app, its durable queue, jobs, worker and metrics.

It knows no host: a delivery is recognised, verified and mapped by a host's
:class:`~nbreview.hosts.protocol.WebhookHost`, and a job refreshes the change's one comment
through the host's :class:`~nbreview.hosts.protocol.NoteHost` (GitHub's pull-request comment,
GitLab's merge-request note), both in :mod:`nbreview.hosts`.
"""
