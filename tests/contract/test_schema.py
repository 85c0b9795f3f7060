"""The OpenAPI schema is a contract generated clients can use (issue 17, point 6)."""
import json

import pytest
from openapi_spec_validator import validate

from .schema import ResponseContract, api_schema

OPERATIONS = [
    (path, method, operation)
    for path, item in api_schema()["paths"].items()
    for method, operation in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]


def test_schema_passes_openapi_spec_validator():
    validate(api_schema())


def test_request_bodies_are_json_only():
    media_types = {
        media_type for _path, _method, operation in OPERATIONS
        for media_type in operation.get("requestBody", {}).get("content", {})
    }
    assert media_types == {"application/json"}


@pytest.mark.parametrize("path, method, operation", OPERATIONS, ids=[f"{m.upper()} {p}" for p, m, _o in OPERATIONS])
def test_every_operation_documents_its_error_answers_with_the_one_error_shape(path, method, operation):
    responses = operation["responses"]
    assert {"401", "403", "429"} <= set(responses)
    if "{" in path:
        assert "404" in responses
    if method != "get":
        assert "400" in responses
    for code, response in responses.items():
        if code.startswith("4"):
            assert response["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def test_the_schema_served_is_the_one_checked(client):
    served = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert json.loads(served.content)["paths"].keys() == api_schema()["paths"].keys()


@pytest.mark.django_db
def test_the_response_contract_finds_a_mismatch():
    # The checker the root conftest runs on every answer: it would see a wrong body, an undocumented code.
    contract = ResponseContract(api_schema())
    wrong = contract.check(method="GET", path="/api/v1/commitments/", status=200,
                           content_type="application/json", body=b'{"count": "many"}')
    assert any("count" in line for line in wrong)
    assert contract.check(method="GET", path="/api/v1/commitments/", status=418,
                          content_type="application/json", body=b"{}")
    error = json.dumps({"code": "not_found", "detail": "Ressource introuvable."}).encode()
    assert contract.check(method="GET", path="/api/v1/commitments/7/", status=404,
                          content_type="application/json", body=error) == []


@pytest.mark.django_db
@pytest.mark.parametrize("call, status, code", [
    (lambda c, api: c.get("/api/v1/commitments/"), 401, "not_authenticated"),
    (lambda c, api: api.get("/api/v1/commitments/999999/"), 404, "not_found"),
    (lambda c, api: api.delete("/api/v1/commitments/"), 405, "method_not_allowed"),
    (lambda c, api: api.post("/api/v1/commitments/", "x=1", content_type="application/x-www-form-urlencoded"),
     415, "unsupported_media_type"),
    (lambda c, api: api.post("/api/v1/commitments/", "{", content_type="application/json"), 400, "invalid_json"),
    (lambda c, api: api.post("/api/v1/commitments/", {}, format="json"), 400, "required"),
])
def test_every_4xx_has_the_one_french_error_shape(api_client, broker_client, call, status, code):
    response = call(api_client, broker_client)
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code)
    assert isinstance(body["detail"], str) and body["detail"]
    assert not any(word in body["detail"] for word in ("No ", "matches the given query", "not allowed", "Invalid"))


@pytest.mark.django_db
def test_403_has_the_one_error_shape(api_client):
    from conftest import make_user

    api_client.force_authenticate(make_user("nobody"))
    response = api_client.post("/api/v1/commitments/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
