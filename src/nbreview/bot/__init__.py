"""The pull-request bot: one always-current comment with rendered notebook diffs.

``pr.update_pull_request`` is the library call; ``nbreview pr`` (an Action step) and
``nbreview bot serve`` (the webhook runtime: a GitHub App's and GitLab's hooks, each host through
its adapter in :mod:`nbreview.hosts`) are thin adapters over it.
"""
