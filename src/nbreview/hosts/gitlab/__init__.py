"""GitLab merge requests: the changed notebooks at base and head, one sticky note updated per push,
pictures as project uploads (python-gitlab, imported lazily: ``pip install nbreview[gitlab]``).

Modules: ``comment`` (GitLab's :class:`~nbreview.render.markdown.CommentHost`: marker, limit,
inert text), ``client`` (connecting, errors as one line), ``mr`` (reading and posting).
"""
