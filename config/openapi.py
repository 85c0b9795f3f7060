"""drf-spectacular extensions the project needs in one place (imported by config.urls).

The bank API's ``BankTokenAuthentication`` subclasses DRF's ``TokenAuthentication``; without
its own scheme name both would be published as the component ``tokenAuth`` (drf-spectacular
W001, which ``check --deploy --fail-level WARNING`` turns into a failure). Same header, same
format: a separate name keeps the schema exact.
"""
from drf_spectacular.authentication import TokenScheme


class BankTokenScheme(TokenScheme):
    target_class = "exchange.api.authentication.BankTokenAuthentication"
    name = "bankTokenAuth"
    match_subclasses = True
    priority = 1


# --- one error shape for every 4xx (tariff.kit.api.errors), documented on every operation ----------

ERROR_ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "code machine"},
        "detail": {"type": "string", "description": "message en français"},
        "field": {"type": ["string", "null"], "description": "champ de la requête concerné"},
    },
    "required": ["code", "detail"],
}
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Toute réponse 4xx : `code` (machine : `not_found`, `not_authenticated`, `permission_denied`, "
        "`method_not_allowed`, `throttled`, `invalid_json`, le code de la règle refusée ou de la validation), "
        "`detail` (français), `field` (champ concerné), `errors` (toutes les erreurs, une par champ). "
        "Les messages restent aussi sous le nom de chaque champ (`{\"amount\": [\"…\"]}`), comme dans les "
        "premières versions."
    ),
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}},
    },
    "required": ["code", "detail"],
    "additionalProperties": {},
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ERROR_DESCRIPTIONS = {
    "400": "Requête invalide (validation, JSON illisible) ou règle refusée.",
    "401": "Non authentifié (en-tête `Authorization: Token …` manquant ou invalide).",
    "403": "Authentifié, mais ce rôle n'est pas autorisé à cette opération.",
    "404": "Ressource introuvable (ou hors du périmètre de la banque) ; page de liste inexistante.",
    "415": "Corps de requête autre que JSON (`Content-Type: application/json` seulement).",
    "429": "Trop de requêtes : réessayer après le délai indiqué (`Retry-After`).",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _nullable_as_31(node) -> None:
    """OpenAPI 3.0's ``nullable: true`` left in a 3.1 schema (DRF's pagination schema writes it:
    ``next``/``previous``) as 3.1 says it: ``type: [..., "null"]``. In place."""
    if isinstance(node, dict):
        if node.get("nullable") is True:
            del node["nullable"]
            kind = node.get("type")
            if isinstance(kind, str):
                node["type"] = [kind, "null"]
            elif isinstance(kind, list) and "null" not in kind:
                kind.append("null")
        for value in node.values():
            _nullable_as_31(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_as_31(value)


def document_errors(result, generator, request, public):
    """Postprocessing hook: the ``Error`` component on every 4xx answer, and the answer codes each
    operation can give added where a view did not list them (401, 403 and 429 everywhere; 400 for a
    body or query parameters; 404 for a path parameter or a page number; 415 for a body).
    A view's own description of a code (its list of refusals) is kept."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ErrorItem"] = ERROR_ITEM_SCHEMA
    if str(result.get("openapi", "")).startswith("3.1"):
        _nullable_as_31(result)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            codes = ["401", "403", "429"]
            if method in WRITE_METHODS or any(p.get("in") == "query" for p in parameters):
                codes.append("400")
            if "{" in path or any(p.get("name") == "page" for p in parameters):
                codes.append("404")
            if "requestBody" in operation:
                codes.append("415")
            for code in codes:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith("4"):
                    response["content"] = ERROR_CONTENT
                    response.setdefault("description", ERROR_DESCRIPTIONS.get(code, ""))
            operation["responses"] = dict(sorted(responses.items()))
    return result
