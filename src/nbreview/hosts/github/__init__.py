"""GitHub as a host: the GitHub App's webhook (``webhook``: HMAC verification, event mapping).

The pull request's comment, the API client and the review session still live in :mod:`nbreview.bot`
(``pr``, ``client``, ``session``); they move here when the review page takes a host.
"""
