"""The OpenAPI document as a contract: for every operation a summary and a unique
operationId, its security requirement (none for the public ones), the headers it reads, a
request body where it takes one, and each error status it can answer, in the error shape."""

from __future__ import annotations

from typing import Any

import pytest

PUBLIC = {("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics"),
          ("post", "/v1/forms/{form_id}/submissions"), ("post", "/v1/ats/events"),
          ("get", "/v1/docs"), ("get", "/v1/docs/{asset}")}
PAGES = {"consent", "confirm", "follow-up", "unsubscribe", "assets"}  # of personal links
VERSIONED = ("candidates", "opportunities", "postings", "pools", "rules", "forms", "campaigns",
             "users")
CREATING = {("post", "/v1/candidates"), ("post", "/v1/postings"), ("post", "/v1/pools"),
            ("post", "/v1/rules"), ("post", "/v1/forms"), ("post", "/v1/campaigns"),
            ("post", "/v1/users"), ("post", "/v1/candidates/{candidate_id}/opportunities"),
            ("post", "/v1/candidates/{candidate_id}/reminders"),
            ("post", "/v1/opportunities/{opportunity_id}/files")}


@pytest.fixture(scope="module")
def document(flask_app: Any) -> dict[str, Any]:
    return flask_app.test_client().get("/v1/openapi.json").get_json()


def operations(document: dict[str, Any], *, pages: bool = False
               ) -> list[tuple[str, str, dict[str, Any]]]:
    """The API's operations (and with `pages`, also the HTML pages of personal links)."""
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method != "parameters"
            and (pages or not operation.get("x-rekindle-page"))]


def statuses(operation: dict[str, Any]) -> set[int]:
    return {int(s) for s in operation["responses"] if s != "default"}


def headers(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}


def test_every_operation_has_a_summary_and_a_unique_operation_id(document: dict) -> None:
    found = operations(document, pages=True)
    assert len(found) > 60
    ids = [operation.get("operationId") for _, _, operation in found]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(operation.get("summary") for _, _, operation in found)


def test_public_operations_need_no_token_and_the_others_a_bearer(document: dict) -> None:
    for method, path, operation in operations(document, pages=True):
        if operation.get("x-rekindle-page"):
            assert operation["security"] == [] and path.split("/")[1] in PAGES, (method, path)
            continue
        if (method, path) in PUBLIC:
            assert operation["security"] == [], (method, path)
            assert 401 not in statuses(operation) or path == "/v1/ats/events", (method, path)
        else:
            assert operation["security"] == [{"bearer": []}], (method, path)
            assert {401, 429} <= statuses(operation), (method, path)
            assert "Roles: " in operation["description"], (method, path)


def test_the_error_statuses_that_apply(document: dict) -> None:
    for method, path, operation in operations(document):
        answered = statuses(operation)
        where = (method, path)
        assert 422 in answered, where  # undocumented query parameters, at least
        if "{" in path:
            assert 404 in answered, where
        body = set((operation.get("requestBody") or {}).get("content") or {})
        if body:
            assert {413, 415} <= answered, where
        if "application/json" in body:
            assert 400 in answered, where
        if method != "get":
            assert 409 in answered and 503 in answered, where
        if any(p["name"] == "min_position" for p in operation.get("parameters", [])):
            assert 503 in answered, where
        if method != "get" and where not in PUBLIC:
            assert 403 in answered, where


def test_every_write_under_a_versioned_resource_reads_if_match(document: dict) -> None:
    for method, path, operation in operations(document):
        parts = path.split("/")
        under = len(parts) > 3 and parts[2] in VERSIONED and parts[3].startswith("{")
        if method == "get" or not under:
            continue
        assert "If-Match" in headers(operation), (method, path)
        assert 412 in statuses(operation), (method, path)


def test_single_resource_gets_answer_an_etag(document: dict) -> None:
    for kind in VERSIONED:
        item = next(p for p in document["paths"] if p.startswith(f"/v1/{kind}/{{")
                    and p.count("/") == 3)
        assert "ETag" in document["paths"][item]["get"]["responses"]["200"]["headers"], item


def test_creating_posts_read_idempotency_key_and_answer_location(document: dict) -> None:
    for method, path, operation in operations(document):
        created = operation["responses"].get("201")
        if created is not None:
            assert "Location" in created["headers"], (method, path)
    for method, path in CREATING:
        operation = document["paths"][path][method]
        assert "Idempotency-Key" in headers(operation), path
        assert "201" in operation["responses"], path


def test_the_ats_inbound_route_documents_its_body_and_signature(document: dict) -> None:
    operation = document["paths"]["/v1/ats/events"]["post"]
    assert headers(operation)["X-Rekindle-Signature"]["required"] is True
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert {"event_id", "type", "candidate"} <= set(document["components"]["schemas"][name]
                                                    ["required"])
    assert "X-Rekindle-Signature" in operation["responses"]["401"]["description"]


def test_duplicate_candidate_is_documented_as_such(document: dict) -> None:
    for method, path in (("post", "/v1/candidates"), ("patch", "/v1/candidates/{candidate_id}")):
        conflict = document["paths"][path][method]["responses"]["409"]
        assert "duplicate_candidate" in conflict["description"]
        name = conflict["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        details = document["components"]["schemas"][name]["properties"]["details"]
        detail_name = details["$ref"].rsplit("/", 1)[-1] if "$ref" in details else None
        shape = document["components"]["schemas"][detail_name] if detail_name else details
        assert "candidate_id" in shape["required"]


def test_the_document_points_at_the_written_contract(document: dict) -> None:
    assert "docs/API.md" in document["info"]["description"]
