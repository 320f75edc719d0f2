"""The pull-request bot: one always-current comment with rendered notebook diffs.

``pr.update_pull_request`` is the library call; ``nbreview pr`` (an Action step) and
``nbreview bot serve`` (a GitHub App's webhook) are thin adapters over it.
"""
