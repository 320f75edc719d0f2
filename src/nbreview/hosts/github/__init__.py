"""GitHub pull requests (PyGithub): ``client`` (connecting, pacing, errors as one line), ``notebooks``
(a pull request's notebooks at base and head), ``comment`` and ``pr`` (the sticky comment, its
budget and marker), ``assets``/``urls`` (pictures on an assets branch), ``threads`` (review comments
as host-neutral threads), ``resolved`` (GraphQL's resolved state), ``review`` (the review page's
:class:`~nbreview.hosts.protocol.ReviewHost`), ``webhook`` and ``job`` (the bot's two sides).
"""
