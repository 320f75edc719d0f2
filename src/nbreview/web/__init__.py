"""The local review UI: a Flask app over the HTML renderer, and the server that runs it.

``create_app(config)`` builds the app from Blueprints (see :mod:`nbreview.web.app`): the review
pages (:mod:`.pages`), their images (:mod:`.images`), the page's heartbeat (:mod:`.lifecycle`)
and a pull request's conversations (:mod:`.conversations`), over one
:class:`~nbreview.web.review.ReviewSet`; the mergetool (:mod:`.mergetool`) adds its own. ``serve(sources)``
runs it on 127.0.0.1 (see :mod:`nbreview.web.server`); who may read and write is decided in
one place, :mod:`nbreview.web.security` (secret path prefix, token header and Origin on
writes, bounded JSON bodies). Templates and static files live in the repository's top-level
``web/`` folder, shipped inside the package as ``assets``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbreview.web.app import create_app
    from nbreview.web.server import serve

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from nbreview.web.app import create_app

        return create_app
    if name == "serve":
        from nbreview.web.server import serve

        return serve
    raise AttributeError(name)
