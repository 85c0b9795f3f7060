"""The API's OpenAPI schema as clients read it, and a check of real answers against it.

``api_schema()`` is what ``/api/schema/?format=json`` serves (drf-spectacular, generated once per
process). ``ResponseContract.check`` tells how one answer of the API departs from the schema:
an undocumented answer code, a body not declared for it, or a body that does not validate
against the declared JSON schema (nullable, required, types, enums — the rules of the schema's
OpenAPI version, ``openapi-schema-validator``). The root conftest runs it on every answer of ``/api/v1/`` the
test client receives (issue 17: 0 mismatches over the suite's requests).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

API_PREFIX = "/api/v1/"


@lru_cache(maxsize=1)
def api_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


class ResponseContract:
    def __init__(self, schema: dict):
        from openapi_schema_validator import OAS30Validator, OAS31Validator

        self.schema = schema
        self._validator_class = OAS31Validator if schema["openapi"].startswith("3.1") else OAS30Validator
        self._validators: dict = {}
        routes = []
        for template, item in schema["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            routes.append((template.count("{"), re.compile(f"^{pattern}$"), template, item))
        routes.sort(key=lambda route: route[0])  # literal segments before parameters
        self._routes = routes

    def operation(self, path: str, method: str):
        for _count, pattern, template, item in self._routes:
            if pattern.match(path):
                return template, item.get(method.lower())
        return None, None

    def _validator(self, body_schema: dict):
        key = json.dumps(body_schema, sort_keys=True)
        if key not in self._validators:
            document = {**body_schema, "components": self.schema.get("components", {})}
            self._validators[key] = self._validator_class(document)
        return self._validators[key]

    def check(self, *, method: str, path: str, status: int, content_type: str, body: bytes) -> list[str]:
        """Mismatches of one answer (empty: it matches). Paths outside the schema are not checked."""
        template, operation = self.operation(path, method)
        where = f"{method.upper()} {path} → {status}"
        if template is None:
            return []
        if operation is None:  # a method the path does not have: the one error shape, 405
            if status != 405:
                return [f"{where}: méthode non documentée"]
            operation = {"responses": {"405": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}}}
        responses = operation.get("responses", {})
        documented = responses.get(str(status)) or responses.get("default")
        if documented is None:
            return [f"{where}: code de réponse non documenté ({', '.join(sorted(responses))})"]
        content = documented.get("content") or {}
        media_type = (content_type or "").split(";")[0].strip()
        if not content:
            return [] if not body else [f"{where}: corps non documenté ({media_type})"]
        if media_type not in content:
            return [f"{where}: type {media_type!r} non documenté ({', '.join(content)})"]
        body_schema = content[media_type].get("schema")
        if not body_schema or media_type != "application/json":
            return []
        instance = json.loads(body or b"null")
        return [
            f"{where}: {'/'.join(str(p) for p in error.absolute_path) or '(corps)'} : {error.message}"
            for error in self._validator(body_schema).iter_errors(instance)
        ][:5]


@lru_cache(maxsize=1)
def response_contract() -> ResponseContract:
    return ResponseContract(api_schema())
