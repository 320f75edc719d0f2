"""Check the fake's answers against GitHub's official OpenAPI schemas (../shared/github-api)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


def _nullable(n: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` as JSON Schema."""
    if isinstance(n, list):
        return [_nullable(v) for v in n]
    if not isinstance(n, dict):
        return n
    n = {k: _nullable(v) for k, v in n.items()}
    if n.pop("nullable", False) is True:
        t = n.get("type")
        if isinstance(t, str):
            n["type"] = [t, "null"]
            if "enum" in n:
                n["enum"] = n["enum"] + [None]
        else:
            n = {"anyOf": [n, {"type": "null"}]}
    return n


MULTI = {"path", "ref", "tree_sha", "commit_sha"}


class Schemas:
    def __init__(self, spec_dir: Path) -> None:
        import referencing
        import referencing.jsonschema

        self.spec = _nullable(json.loads((spec_dir / "openapi-subset.json").read_text()))
        self.registry = referencing.Registry().with_resource(
            "urn:gh", referencing.Resource.from_contents(self.spec, default_specification=referencing.jsonschema.DRAFT7)
        )
        self.routes: list[tuple[re.Pattern[str], str]] = []
        for path in self.spec["paths"]:
            rx = re.sub(r"\{(\w+)\}", lambda m: "(.+)" if m.group(1) in MULTI else "([^/]+)", path)
            self.routes.append((re.compile(f"^{rx}$"), path))
        self.routes.sort(key=lambda r: -len(r[1]))
        self._validators: dict[str, Any] = {}

    def operation(self, url_path: str, method: str) -> str | None:
        for rx, path in self.routes:
            if rx.match(url_path) and method.lower() in self.spec["paths"][path]:
                return path
        return None

    def _validator(self, pointer: str) -> Any:
        import jsonschema

        if pointer not in self._validators:
            self._validators[pointer] = jsonschema.Draft7Validator(
                {"$ref": f"urn:gh#{pointer}"}, registry=self.registry
            )
        return self._validators[pointer]

    def check_response(self, url_path: str, method: str, status: int, body: Any) -> list[str]:
        path = self.operation(url_path, method)
        if path is None:
            return []
        responses = self.spec["paths"][path][method.lower()]["responses"]
        if str(status) not in responses:
            return [f"{method} {path}: status {status} is not documented"]
        content = responses[str(status)].get("content", {}).get("application/json")
        if content is None:
            return []

        def esc(s: str) -> str:
            return s.replace("~", "~0").replace("/", "~1")

        ptr = f"/paths/{esc(path)}/{method.lower()}/responses/{status}/content/application~1json/schema"
        return [
            f"{method} {path} {status}: {list(e.absolute_path)} {e.message}"
            for e in self._validator(ptr).iter_errors(body)
        ]

    def check_request(self, url_path: str, method: str, body: Any) -> list[str]:
        path = self.operation(url_path, method)
        if path is None or "requestBody" not in self.spec["paths"][path][method.lower()]:
            return []

        def esc(s: str) -> str:
            return s.replace("~", "~0").replace("/", "~1")

        ptr = f"/paths/{esc(path)}/{method.lower()}/requestBody/content/application~1json/schema"
        return [
            f"request {method} {path}: {list(e.absolute_path)} {e.message}"
            for e in self._validator(ptr).iter_errors(body)
        ]
