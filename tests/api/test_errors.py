"""Conventions: error shape and codes, request limits, security headers, read-your-writes."""

from __future__ import annotations

from uuid import UUID

from tests.api.conftest import candidate, unique_email


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message", "details"} and body["error"] == code
    return body


def test_unknown_fields_and_bad_values_are_422_with_field_messages(client):
    body = assert_error(client.post("/v1/candidates", {"name": "A", "emails": ["a@b.co"],
                                                       "bogus": 1, "tags": ["ok", 7]}),
                        422, "validation_error")
    assert set(body["details"]) == {"bogus", "tags.1"}
    assert all(isinstance(m, list) for m in body["details"].values())
    missing = assert_error(client.post("/v1/candidates", {"name": "A"}), 422, "validation_error")
    assert "emails" in missing["details"]
    bad_email = assert_error(client.post("/v1/candidates", {"name": "A", "emails": ["nope"]}),
                             422, "validation_error")
    assert "emails" in bad_email["details"]
    bad_query = assert_error(client.get("/v1/candidates", query_string={"limit": 501}),
                             422, "validation_error")
    assert "limit" in bad_query["details"]


def test_malformed_json_invalid_utf8_and_deep_nesting_are_400(client):
    for raw in (b'{"name": ', b'{"name": "\xff\xfe"}', b"[" * 200 + b"]" * 200,
                b'{"a":' * 40 + b"1" + b"}" * 40):
        assert_error(client.post("/v1/candidates", data=raw, content_type="application/json"),
                     400, "bad_request")


def test_bodies_over_the_limit_are_413(client, runtime):
    big = "x" * (runtime.settings.max_json_bytes + 10)
    assert_error(client.post("/v1/candidates", {"name": big, "emails": ["a@b.co"]}),
                 413, "payload_too_large")


def test_unknown_ids_routes_and_methods_answer_in_the_error_shape(client):
    assert_error(client.get("/v1/candidates/00000000-0000-4000-8000-000000000000"),
                 404, "not_found")
    assert_error(client.get("/v1/candidates/not-a-uuid"), 404, "not_found")
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(client.delete("/v1/postings"), 405, "method_not_allowed")


def test_missing_unknown_and_revoked_tokens_are_401(anonymous, client):
    assert_error(anonymous.get("/v1/candidates"), 401, "unauthorized")
    assert_error(anonymous.as_user("rk_" + "0" * 32 + "_" + "1" * 32 + "_guess").get(
        "/v1/candidates"), 401, "unauthorized")
    assert_error(anonymous.get("/v1/candidates", headers={"Authorization": "Basic abc"}),
                 401, "unauthorized")
    user_id, user = client.new_user("team_member")
    token_id = UUID(hex=user.token.split("_")[2])
    assert user.get("/v1/candidates").status_code == 200
    assert client.delete(f"/v1/users/{user_id}/tokens/{token_id}").status_code == 200
    assert_error(user.get("/v1/candidates"), 401, "unauthorized")


def test_repeated_failed_authentication_is_rate_limited_per_address(anonymous, runtime, client):
    limit = runtime.settings.auth_failure_limit_per_minute
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(limit):
        assert anonymous.as_user("wrong").get("/v1/candidates",
                                              environ_base=attacker).status_code == 401
    limited = anonymous.as_user("wrong").get("/v1/candidates", environ_base=attacker)
    assert_error(limited, 429, "rate_limited")
    assert limited.headers["Retry-After"] == "60"
    assert client.get("/v1/candidates").status_code == 200


def test_failures_from_an_address_never_lock_out_a_valid_token_from_it(anonymous, runtime,
                                                                       client):
    """Anyone behind the same NAT as an attacker still gets in with their own token."""
    limit = runtime.settings.auth_failure_limit_per_minute
    office = {"REMOTE_ADDR": "198.51.100.23"}
    for _ in range(limit + 5):
        anonymous.as_user("wrong").get("/v1/candidates", environ_base=office)
    assert anonymous.as_user("wrong").get("/v1/candidates",
                                          environ_base=office).status_code == 429
    assert client.get("/v1/candidates", environ_base=office).status_code == 200
    _, colleague = client.new_user("team_member")
    assert colleague.get("/v1/candidates", environ_base=office).status_code == 200


def test_security_headers_on_every_response(client, anonymous):
    for response in (client.get("/v1/postings"), anonymous.get("/healthz"),
                     anonymous.get("/v1/nothing")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'"


def test_min_position_waits_for_projections_or_answers_503(client, runtime, monkeypatch):
    created = client.post("/v1/candidates", {"name": "Ann", "emails": [unique_email()]})
    position = int(created.headers["X-Rekindle-Position"])
    patched = client.patch(f"/v1/candidates/{created.get_json()['id']}",
                           {"headline": "Now fresh"})
    fresh = client.get(f"/v1/candidates/{created.get_json()['id']}",
                       query_string={"min_position": patched.headers["X-Rekindle-Position"]})
    assert fresh.get_json()["headline"] == "Now fresh"
    assert int(patched.headers["X-Rekindle-Position"]) > position
    monkeypatch.setattr(runtime, "settings",
                        runtime.settings.replace(projection_wait_s=0.2))
    body = assert_error(client.get("/v1/candidates", query_string={"min_position": 10**9}),
                        503, "projection_lagging")
    assert body["details"] == {"min_position": 10**9}


def test_commands_that_change_nothing_still_carry_a_position(client):
    cid = candidate(client)
    oid = client.post(f"/v1/candidates/{cid}/opportunities", {"general": True}).get_json()["id"]
    same = client.post(f"/v1/opportunities/{oid}/stage", {"stage": "new_lead"})
    assert same.status_code == 200 and int(same.headers["X-Rekindle-Position"]) > 0
