"""nbreview inside Jupyter: a Jupyter Server extension and the JupyterLab extension that calls it.

The wheel installs ``etc/jupyter/jupyter_server_config.d/nbreview.json``, which enables this
module as a server extension, and the prebuilt labextension under
``share/jupyter/labextensions/nbreview`` (built from the repository's ``jupyterlab/`` folder).
The server side (:mod:`.handlers`) serves nbreview's review page under the server's
``base_url``, behind Jupyter Server's own login; :mod:`.sources` finds the two sides (the last
checkpoint through the ContentsManager, revisions through git); :mod:`.review` serves a pull
request's (or a GitLab merge request's) review and its conversation API (writes behind Jupyter's
XSRF check), opened by :mod:`.pulls` with the token of ``c.Nbreview`` or the server's
``GITHUB_TOKEN`` / ``GITLAB_TOKEN``.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """What Jupyter Server loads: this module's :func:`_load_jupyter_server_extension`."""
    return [{"module": "nbreview.jupyter"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Add the review handlers to a running Jupyter Server, with nbreview's settings (``c.Nbreview``)."""
    from nbreview.jupyter.handlers import setup_handlers
    from nbreview.jupyter.pulls import Nbreview

    setup_handlers(serverapp.web_app)
    serverapp.web_app.settings["nbreview_config"] = Nbreview(parent=serverapp)
    serverapp.log.info("nbreview: review pages under %snbreview/", serverapp.web_app.settings.get("base_url", "/"))
