"""The served OpenAPI document is valid and lists every route the app serves."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from tests.api.conftest import candidate, opportunity, posting, unique_email

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


def test_every_operation_documents_a_success_and_errors_in_rekindles_shape(anonymous):
    """Clients generated from the document must know what a success and an error look like."""
    document = anonymous.get("/v1/openapi.json").get_json()
    without_success = [
        f"{method.upper()} {path}" for path, item in document["paths"].items()
        for method, operation in item.items() if method != "parameters"
        and not any(str(status).startswith("2") for status in operation["responses"])]
    assert without_success == []
    components = document["components"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, answer in operation["responses"].items():
                if (status != "default" and int(status) < 400) or (path, status) == (
                        "/readyz", "503"):  # not ready: the readiness report itself
                    continue
                if "$ref" in answer:
                    answer = components["responses"][answer["$ref"].rsplit("/", 1)[-1]]
                if operation.get("x-rekindle-page") and status != "default":
                    assert "text/html" in answer["content"], (path, status)  # a page too
                    continue
                schema = answer["content"]["application/json"]["schema"]
                error = components["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                assert {"error", "message", "details"} <= set(error["required"]), (path, status)
                assert set(error["properties"]) == {"error", "message", "details"}
    created = document["paths"]["/v1/candidates"]["post"]["responses"]["201"]
    assert "X-Rekindle-Position" in created["headers"]
    ready = document["paths"]["/readyz"]["get"]["responses"]
    assert {"200", "503"} <= set(ready)
    download = document["paths"]["/v1/opportunities/{opportunity_id}/files/{file_id}"]["get"]
    assert download["responses"]["200"]["content"]["*/*"]["schema"]["format"] == "binary"


class Conformance:
    """Checks real answers against what the served document promises for their status."""

    def __init__(self, document: dict[str, Any], flask_app: Any) -> None:
        self.document = document
        self.urls = flask_app.url_map.bind("localhost")
        self.checked: set[tuple[str, str, int]] = set()
        self.position = 0

    def read(self, api: Any, path: str, **query: Any) -> Any:
        """A GET that sees every write made so far (read-your-writes)."""
        return self(api.get(path, query_string={"min_position": self.position, **query}))

    def __call__(self, response: Any) -> Any:
        method = response.request.method
        rule, _ = self.urls.match(response.request.path, method, return_rule=True)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        documented = self.document["paths"][path][method.lower()]["responses"]
        answer = documented.get(str(response.status_code), documented["default"])
        if "$ref" in answer:
            answer = self.document["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
        for header in answer.get("headers", {}):
            assert header in response.headers, (method, path, header)
        content = answer["content"]
        if response.mimetype == "application/json":
            schema = {**content["application/json"]["schema"],
                      "components": self.document["components"]}
            errors = [e.message for e in OAS30Validator(schema).iter_errors(response.get_json())]
            assert errors == [], (method, path, response.status_code, errors)
        else:
            assert "*/*" in content or response.mimetype in content, (method, path)
        self.checked.add((method, path, response.status_code))
        self.position = max(self.position, int(response.headers.get("X-Rekindle-Position", 0)))
        return response


def test_real_answers_match_the_documented_schemas(client, anonymous, flask_app):
    """Populated answers (nested objects, nulls, non-empty lists) that the fuzzer, starting
    from an empty database, rarely sees."""
    ok = Conformance(anonymous.get("/v1/openapi.json").get_json(), flask_app)
    ok(anonymous.get("/healthz")), ok(anonymous.get("/readyz"))
    user = ok(client.post("/v1/users", {"name": "Ola", "email": unique_email("ola"),
                                        "role": "team_member"})).get_json()["id"]
    ok.read(client, "/v1/users"), ok.read(client, f"/v1/users/{user}")
    token = ok(client.post(f"/v1/users/{user}/tokens")).get_json()["token_id"]
    ok(client.delete(f"/v1/users/{user}/tokens/{token}"))
    ok(client.post(f"/v1/users/{user}/role", {"role": "admin"}))
    posting_id = posting(client, team="Core", hiring_team=[user])
    ok(client.post(f"/v1/postings/{posting_id}/hiring-team", {"hiring_team": []}))
    ok(client.post(f"/v1/postings/{posting_id}/state", {"state": "published"}))
    ok.read(client, f"/v1/postings/{posting_id}"), ok.read(client, "/v1/postings")
    cid = candidate(client, phones=["+49 30 1234"], tags=["python"], sources=["LinkedIn"])
    other = candidate(client)
    oid = opportunity(client, cid, posting_id=posting_id)
    general = ok(client.post(f"/v1/candidates/{cid}/opportunities", {"general": True}))
    ok(client.post(f"/v1/opportunities/{general.get_json()['id']}/convert",
                   {"posting_id": posting_id}))
    for step, body in (("stage", {"stage": "phone_interview"}), ("tags", {"tags": ["go"]}),
                       ("referral", {"referrer_id": user, "relationship": "ex-colleague"})):
        ok(client.post(f"/v1/opportunities/{oid}/{step}", body))
    ok(client.delete(f"/v1/opportunities/{oid}/tags/go"))
    upload = ok(client.post(f"/v1/opportunities/{oid}/files", data={
        "file": (io.BytesIO(b"%PDF cv"), "cv.pdf", "application/pdf"), "kind": "resume"},
        content_type="multipart/form-data")).get_json()
    ok(client.get(f"/v1/opportunities/{oid}/files/{upload['id']}"))  # the store: always current
    ok.read(client, f"/v1/opportunities/{oid}")
    ok(client.delete(f"/v1/opportunities/{oid}/files/{upload['id']}"))
    ok(client.post(f"/v1/opportunities/{oid}/archive", {"reason": "timing"}))
    ok.read(client, f"/v1/candidates/{cid}"), ok.read(client, "/v1/candidates")
    ok.read(client, f"/v1/candidates/{cid}", as_of=datetime.now(UTC).isoformat())
    ok.read(client, f"/v1/candidates/{cid}/history")
    ok.read(client, f"/v1/opportunities/{oid}/history")
    ok(client.post(f"/v1/opportunities/{oid}/unarchive", {}))
    ok(client.post(f"/v1/opportunities/{oid}/send-to-ats"))
    ok(client.patch(f"/v1/candidates/{cid}", {"headline": "Engineer"}))
    pool_id = ok(client.post("/v1/pools", {"name": "Silver"})).get_json()["id"]
    ok(client.patch(f"/v1/pools/{pool_id}", {"description": "runners-up"}))
    ok(client.post(f"/v1/pools/{pool_id}/members", {"candidate_ids": [cid, other]}))
    ok.read(client, f"/v1/pools/{pool_id}/members"), ok.read(client, f"/v1/pools/{pool_id}")
    ok(client.delete(f"/v1/pools/{pool_id}/members/{other}")), ok.read(client, "/v1/pools")
    rule = ok(client.post("/v1/rules", {"name": "Tag", "trigger": "tag_added", "filter": [],
                                        "actions": [{"type": "add_tag", "tag": "x"}]}))
    ok(client.patch(f"/v1/rules/{rule.get_json()['id']}", {"enabled": False}))
    ok.read(client, f"/v1/rules/{rule.get_json()['id']}"), ok.read(client, "/v1/rules")
    form_id = ok(client.post("/v1/forms", {"title": "Hi", "pool_id": pool_id})).get_json()["id"]
    ok(anonymous.post(f"/v1/forms/{form_id}/submissions", {
        "name": "Sam", "email": unique_email("sam"), "consent": True}))
    ok.read(client, f"/v1/forms/{form_id}")
    reminder = ok(client.post(f"/v1/candidates/{cid}/reminders", {
        "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(), "note": "call"}))
    ok(client.post(f"/v1/reminders/{reminder.get_json()['id']}/dismiss"))
    ok.read(client, "/v1/reminders"), ok.read(client, "/v1/notifications")
    campaign = ok(client.post("/v1/campaigns", {"name": "N", "subject": "S", "body": "B"}))
    ok(client.post(f"/v1/campaigns/{campaign.get_json()['id']}/send",
                   {"candidate_ids": [cid, other]}))
    ok.read(client, f"/v1/campaigns/{campaign.get_json()['id']}"), ok.read(client, "/v1/campaigns")
    ok(client.post(f"/v1/forms/{form_id}/invitations", {"candidate_ids": [cid, other]}))
    ok.read(client, "/v1/mails"), ok.read(client, f"/v1/candidates/{cid}/consent/proof")
    ok(anonymous.get("/consent/not-a-token")), ok(anonymous.get("/assets/public.css"))
    ok(client.post(f"/v1/postings/{posting_id}/put-forward", {"candidate_ids": [cid, other]}))
    for step in ("consent/request", "consent/grant", "consent/revoke", "deletion-request"):
        ok(client.post(f"/v1/candidates/{other}/{step}", {}))
    ok(client.post(f"/v1/candidates/{other}/anonymize", {"reason": "request"}))
    ok.read(client, f"/v1/candidates/{other}"), ok.read(client, "/v1/audit/erasures")
    started = ok(client.client.post("/v1/imports", headers=client.headers(), data={
        "file": (io.BytesIO(b"name,email\nIda,ida@example.com\n,bad\n"), "people.csv")},
        content_type="multipart/form-data"))
    ok.read(client, f"/v1/imports/{started.get_json()['id']}")
    ok(anonymous.get("/v1/candidates")), ok.read(client, f"/v1/postings/{uuid.uuid4()}")
    ok(client.post("/v1/candidates", {"name": "No email"}))
    refused = sorted((m, p, status) for m, p, status in ok.checked if status >= 300)
    assert refused == [("GET", "/consent/{token}", 404),  # a forged link's page
                       ("GET", "/v1/candidates", 401), ("GET", "/v1/postings/{posting_id}", 404),
                       ("POST", "/v1/candidates", 422),  # no name: the only refusals asked for,
                       ("POST", "/v1/opportunities/{opportunity_id}/send-to-ats", 422)]  # no ATS
    assert len(ok.checked) >= 60
