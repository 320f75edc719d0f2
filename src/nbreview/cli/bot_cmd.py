"""``nbreview bot serve``: run the pull-request bot as a GitHub App's webhook receiver."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    serve = sub.add_parser(
        "serve",
        help="receive pull_request webhooks and keep each pull request's comment current",
        description=(
            "Configuration from the environment: NBREVIEW_WEBHOOK_SECRET, GITHUB_APP_ID, "
            "GITHUB_APP_PRIVATE_KEY_PATH (or GITHUB_APP_PRIVATE_KEY), optionally GITHUB_API_URL, "
            "NBREVIEW_ASSETS_BRANCH, NBREVIEW_MAX_DELIVERY_AGE (seconds)."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=2, help="threads doing the work off the request (default 2)")


def run(args: argparse.Namespace) -> int:
    import logging

    from werkzeug.serving import run_simple

    from ..bot.webhook import AppConfig, create_app

    config = AppConfig.from_env()
    config.workers = max(1, args.workers)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create_app(config)
    logging.getLogger("nbreview.bot").info("nbreview bot: listening on http://%s:%d/webhook", args.host, args.port)
    run_simple(args.host, args.port, app, threaded=True)
    return 0
