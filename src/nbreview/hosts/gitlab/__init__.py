"""GitLab merge requests: the changed notebooks at base and head, one sticky note updated per push,
pictures as project uploads (python-gitlab, imported lazily: ``pip install nbreview[gitlab]``).

Modules: ``comment`` (GitLab's :class:`~nbreview.render.markdown.CommentHost`: marker, limit,
inert text), ``client`` (connecting, errors as one line), ``mr`` (reading and posting), ``review``
(the review page's :class:`~nbreview.hosts.protocol.ReviewHost`: diff discussions, draft notes),
``webhook`` and ``job`` (the bot's two sides).
"""
