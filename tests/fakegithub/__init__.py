"""A fake GitHub REST API for the bot's tests: ``with serve(fake) as url: ...``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from flask import request

from .app import SHARED_API, FakeGitHub, Token, create_app
from .schema import Schemas
from .store import Store, object_id

__all__ = ["FakeGitHub", "SHARED_API", "Schemas", "Store", "Token", "create_app", "object_id", "serve"]

_SCHEMAS: dict[str, Schemas] = {}


def schemas(fake: FakeGitHub) -> Schemas:
    key = str(fake.spec_dir)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = Schemas(fake.spec_dir)
    return _SCHEMAS[key]


@contextmanager
def serve(fake: FakeGitHub, validate: bool = True) -> Iterator[str]:
    """Run the fake on 127.0.0.1 on a free port in a thread; every request and 2xx answer is schema-checked."""
    from support.wsgi import serve_wsgi

    app = create_app(fake)
    if validate:
        sch = schemas(fake)

        @app.after_request
        def _validate(resp):  # type: ignore[no-untyped-def]
            if request.is_json and request.method != "GET":
                fake.schema_errors += sch.check_request(request.path, request.method, request.get_json(silent=True))
            if 200 <= resp.status_code < 300 and resp.is_json:
                fake.schema_errors += sch.check_response(
                    request.path, request.method, resp.status_code, json.loads(resp.get_data())
                )
            return resp

    with serve_wsgi(app) as url:
        yield url
