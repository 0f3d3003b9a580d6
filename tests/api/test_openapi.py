"""The served OpenAPI document is valid and lists every route the app serves."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

CORE = {
    ("post", "/v1/users"), ("get", "/v1/users"), ("get", "/v1/users/{user_id}"),
    ("post", "/v1/users/{user_id}/tokens"), ("delete", "/v1/users/{user_id}/tokens/{token_id}"),
    ("post", "/v1/users/{user_id}/role"),
    ("post", "/v1/postings"), ("get", "/v1/postings"), ("get", "/v1/postings/{posting_id}"),
    ("post", "/v1/postings/{posting_id}/state"),
    ("post", "/v1/candidates"), ("get", "/v1/candidates"),
    ("get", "/v1/candidates/{candidate_id}"), ("patch", "/v1/candidates/{candidate_id}"),
    ("post", "/v1/candidates/{candidate_id}/opportunities"),
    ("get", "/v1/opportunities/{opportunity_id}"),
    ("post", "/v1/opportunities/{opportunity_id}/archive"),
    ("post", "/v1/opportunities/{opportunity_id}/unarchive"),
    ("post", "/v1/opportunities/{opportunity_id}/convert"),
    ("post", "/v1/opportunities/{opportunity_id}/stage"),
    ("post", "/v1/opportunities/{opportunity_id}/tags"),
    ("delete", "/v1/opportunities/{opportunity_id}/tags/{tag}"),
    ("post", "/v1/opportunities/{opportunity_id}/files"),
    ("get", "/v1/opportunities/{opportunity_id}/files/{file_id}"),
    ("delete", "/v1/opportunities/{opportunity_id}/files/{file_id}"),
    ("post", "/v1/opportunities/{opportunity_id}/referral"),
    ("post", "/v1/candidates/{candidate_id}/consent/request"),
    ("post", "/v1/candidates/{candidate_id}/consent/grant"),
    ("post", "/v1/candidates/{candidate_id}/consent/revoke"),
    ("post", "/v1/candidates/{candidate_id}/deletion-request"),
    ("post", "/v1/candidates/{candidate_id}/anonymize"),
    ("get", "/v1/candidates/{candidate_id}/history"),
    ("get", "/v1/opportunities/{opportunity_id}/history"),
    ("get", "/healthz"), ("get", "/readyz"),
}


def test_openapi_document_is_valid_and_lists_every_route(anonymous, flask_app):
    response = anonymous.get("/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    documented = {(method, path) for path, item in document["paths"].items()
                  for method in item if method != "parameters"}
    assert documented >= CORE
    served = set()
    for rule in flask_app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.rule == "/v1/openapi.json":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        served |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served <= documented


def test_request_schemas_refuse_unknown_fields_in_the_document(anonymous):
    document = anonymous.get("/v1/openapi.json").get_json()
    body = document["paths"]["/v1/candidates"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert set(document["components"]["schemas"][name]["required"]) == {"name", "emails"}
