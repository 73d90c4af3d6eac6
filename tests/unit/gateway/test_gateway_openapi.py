"""The OpenAPI document describes every route the gateway serves: what it takes and what it
answers, so clients (and the fuzzing in tests/integration/gateway) can rely on it."""

import secrets
import warnings

import pytest

from gateway.app import create_app
from gateway.blueprint import PAGINATION_HEADER
from services.kit.config import Settings
from tests.support.routes import openapi_document

WRITES = ("post", "put", "patch", "delete")


def operations():
    return [
        (path, method, operation)
        for path, item in openapi_document()["paths"].items()
        for method, operation in item.items()
        if method in ("get", *WRITES)
    ]


def schemas(content):
    return [media["schema"] for media in (content or {}).values() if media.get("schema")]


@pytest.mark.parametrize(
    "path,method,operation",
    operations(),
    ids=[f"{method.upper()} {path}" for path, method, _ in operations()],
)
def test_every_operation_documents_its_answer_and_body(path, method, operation):
    answers = {
        status: response
        for status, response in operation["responses"].items()
        if status.startswith("2")
    }
    assert answers, "no 2xx response"
    assert all(schemas(response.get("content")) for response in answers.values()), (
        "a 2xx response without a schema"
    )
    if method in WRITES:
        assert schemas(operation.get("requestBody", {}).get("content")), "no request body schema"


def test_every_list_sends_the_one_pagination_header():
    lists = [
        (path, response)
        for path, method, operation in operations()
        if method == "get"
        for status, response in operation["responses"].items()
        if status == "200" and PAGINATION_HEADER in response.get("headers", {})
    ]
    assert {path for path, _ in lists} == {
        "/api/v1/enterprises",
        "/api/v1/inspections",
        "/api/v1/hazards",
        "/api/v1/enforcement-cases",
        "/api/v1/inspection-plans",
        "/api/v1/accidents",
        "/api/v1/persons",
        "/api/v1/certificates",
        "/api/v1/training-sessions",
        "/api/v1/reminders",
        "/api/v1/evidence",
        "/api/v1/users",
        "/api/v1/account-audit",
        "/api/v1/credit/cases",
        "/api/v1/public/untrustworthy",
        "/api/v1/confined-spaces",
        "/api/v1/permits",
        "/api/v1/permit-scans",
        "/api/v1/confined-space-staff",
        "/api/v1/projects",
        "/api/v1/project-spot-check-plans",
        "/api/v1/risk-points",
        "/api/v1/emergency-plans",
        "/api/v1/drills",
        "/api/v1/drill-reminders",
        "/api/v1/monitoring/devices",
        "/api/v1/monitoring/points",
        "/api/v1/monitoring/alarms",
    }
    assert {path: response["headers"][PAGINATION_HEADER] for path, response in lists} == {
        path: {"$ref": "#/components/headers/PAGINATION"} for path, _ in lists
    }


ACCOUNT_OPERATIONS = {
    ("/api/v1/users", "get"): None,
    ("/api/v1/users", "post"): {"username", "role", "password"},
    ("/api/v1/users/{username}", "get"): None,
    ("/api/v1/users/{username}/disable", "post"): {"reason"},
    ("/api/v1/users/{username}/enable", "post"): {"reason"},
    ("/api/v1/users/{username}/password", "post"): {"password"},
    ("/api/v1/me", "get"): None,
    ("/api/v1/me/password", "post"): {"old_password", "new_password"},
    ("/api/v1/account-audit", "get"): None,
}


def _resolved(schema, document):
    if "$ref" in schema:
        return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _properties(schema, document):
    schema = _resolved(schema, document)
    if schema.get("type") == "array":
        schema = _resolved(schema["items"], document)
    found = set(schema.get("properties", {}))
    for name, value in schema.get("properties", {}).items():
        if name == "items":
            found |= _properties(value, document)
    return found


@pytest.mark.parametrize("path,method", ACCOUNT_OPERATIONS, ids=repr)
def test_account_routes_document_what_they_take_and_never_answer_a_password(path, method):
    document = openapi_document()
    operation = document["paths"][path][method]
    required = ACCOUNT_OPERATIONS[(path, method)]
    if required:
        (body,) = schemas(operation["requestBody"]["content"])
        assert required <= set(_resolved(body, document)["required"])
    status = "201" if (path, method) == ("/api/v1/users", "post") else "200"
    (answer,) = schemas(operation["responses"][status]["content"])
    answered = _properties(answer, document)
    assert answered and not any("password" in name for name in answered - {"must_change_password"})


def test_every_schema_has_a_name_of_its_own():
    """Two schemas of one name are renamed silently in the document; a client generated from it
    would mix them up."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = create_app(Settings(jwt_secret=secrets.token_urlsafe(48)))
        app.extensions["anjian"].mongo.close()
        app.test_client().get("/api/openapi.json")
    clashes = [str(w.message) for w in caught if "Multiple schemas resolved" in str(w.message)]
    assert not clashes, clashes
