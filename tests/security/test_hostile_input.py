"""Hostile input over a real socket: every attempt is refused with the documented code and
leaves the event store exactly as it was (max notification id unchanged), or, where the input
is merely odd text, is stored verbatim and never interpreted."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from tests.reliability.live import LiveServer, Response, candidate_body, max_position
from tests.security.multipart import multipart

SQL_INJECTION = "'; DROP TABLE x;--"
HEADER_INJECTION = "\r\nX-Injected: 1"


def assert_error(response: Response, status: int | tuple[int, ...],
                 code: str | None = None) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status in statuses, (response.status, response.body[:500])
    assert response.headers.get("Content-Type", "").startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "message", "details"}, body
    if code is not None:
        assert body["error"] == code, body


@contextmanager
def nothing_recorded(live: LiveServer) -> Iterator[None]:
    before = max_position(live.database_url)
    yield
    assert max_position(live.database_url) == before, "a refused request recorded events"


def user_token(live: LiveServer, role: str) -> str:
    created = live.request("POST", "/v1/users", {
        "name": f"{role} user", "email": f"{role}-{uuid.uuid4().hex[:8]}@example.com",
        "role": role})
    assert created.status == 201, created.body
    return created.json()["token"]


@pytest.fixture(scope="module")
def opportunity(live: LiveServer) -> dict[str, Any]:
    candidate = live.request("POST", "/v1/candidates", candidate_body())
    assert candidate.status == 201, candidate.body
    created = live.request("POST", f"/v1/candidates/{candidate.json()['id']}/opportunities",
                           {"general": True})
    assert created.status == 201, created.body
    return created.json()


def test_a_body_over_the_json_limit_is_413(live: LiveServer) -> None:
    body = candidate_body(headline="h" * (1024 * 1024 + 10))
    with nothing_recorded(live):
        assert_error(live.request("POST", "/v1/candidates", body), 413, "payload_too_large")


def test_a_file_over_the_file_limit_is_413(live: LiveServer, opportunity: dict) -> None:
    raw, content_type = multipart({"secret": "false", "kind": "file"}, "big.pdf",
                                  b"%PDF" + b"0" * 70_000)
    with nothing_recorded(live):
        response = live.request("POST", f"/v1/opportunities/{opportunity['id']}/files",
                                raw=raw, headers={"Content-Type": content_type})
        assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused_not_a_crash(live: LiveServer, depth: int) -> None:
    raw = (b'{"name": "Nested", "emails": ["n@example.com"], "headline": '
           + b"[" * depth + b"]" * depth + b"}")
    with nothing_recorded(live):
        response = live.request("POST", "/v1/candidates", raw=raw,
                                headers={"Content-Type": "application/json"})
        assert_error(response, (400, 422))


def test_invalid_utf8_is_400(live: LiveServer) -> None:
    raw = b'{"name": "\xff\xfe\xfd", "emails": ["u@example.com"]}'
    with nothing_recorded(live):
        response = live.request("POST", "/v1/candidates", raw=raw,
                                headers={"Content-Type": "application/json"})
        assert_error(response, 400, "bad_request")


def test_malformed_json_is_400(live: LiveServer) -> None:
    with nothing_recorded(live):
        response = live.request("POST", "/v1/candidates", raw=b'{"name": ',
                                headers={"Content-Type": "application/json"})
        assert_error(response, 400, "bad_request")


def test_unknown_fields_are_422_per_field(live: LiveServer) -> None:
    with nothing_recorded(live):
        response = live.request("POST", "/v1/candidates", candidate_body(is_admin=True))
        assert_error(response, 422, "validation_error")
        assert "is_admin" in response.json()["details"]


def test_a_text_plain_body_to_a_json_route_is_a_json_error(live: LiveServer) -> None:
    raw = json.dumps(candidate_body()).encode()
    with nothing_recorded(live):
        response = live.request("POST", "/v1/candidates", raw=raw,
                                headers={"Content-Type": "text/plain"})
        assert_error(response, 415, "unsupported_media_type")


def _trimmed(value: str | list[str]) -> str | list[str]:
    """Surrounding whitespace is the one normalization free text may undergo."""
    return value.strip() if isinstance(value, str) else [v.strip() for v in value]


def test_injection_strings_in_free_text_are_stored_verbatim_never_executed(
        live: LiveServer) -> None:
    with psycopg.connect(live.database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS x (id int)")
    texts = {"name": SQL_INJECTION, "location": SQL_INJECTION + HEADER_INJECTION,
             "headline": HEADER_INJECTION, "phones": [SQL_INJECTION], "origin": SQL_INJECTION,
             "links": [SQL_INJECTION], "tags": [SQL_INJECTION], "sources": [HEADER_INJECTION]}
    for field, value in texts.items():
        before = max_position(live.database_url)
        response = live.request("POST", "/v1/candidates", candidate_body(**{field: value}))
        assert "X-Injected" not in response.headers
        if response.status == 201:
            shown = live.request("GET", f"/v1/candidates/{response.json()['id']}")
            assert shown.status == 200
            assert shown.json()[field] in (value, _trimmed(value)), field
        else:
            assert_error(response, 422, "validation_error")
            assert max_position(live.database_url) == before
    with psycopg.connect(live.database_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.x')").fetchone()[0] is not None
        assert conn.execute("SELECT count(*) FROM rekindle_events").fetchone()[0] > 0
    listed = live.request("GET", "/v1/candidates?q=" + "%27%3B%20DROP%20TABLE%20x%3B--")
    assert listed.status == 200


def test_an_injection_string_in_the_email_is_refused(live: LiveServer) -> None:
    with nothing_recorded(live):
        response = live.request("POST", "/v1/candidates",
                                candidate_body(emails=[SQL_INJECTION + "@example.com"]))
        assert_error(response, 422, "validation_error")
        assert "emails" in response.json()["details"]


def test_path_traversal_in_a_file_name_is_harmless(live: LiveServer, opportunity: dict) -> None:
    raw, content_type = multipart({"secret": "false", "kind": "file"},
                                  "../../etc/passwd\r\nX-Injected: 1", b"root:x:0:0")
    uploaded = live.request("POST", f"/v1/opportunities/{opportunity['id']}/files",
                            raw=raw, headers={"Content-Type": content_type})
    if uploaded.status != 201:
        assert_error(uploaded, 422, "validation_error")
        return
    stored = uploaded.json()
    assert "/" not in stored["name"] and "\\" not in stored["name"]
    assert not stored["name"].startswith(".")
    download = live.request("GET", f"/v1/opportunities/{opportunity['id']}/files/{stored['id']}")
    assert download.status == 200
    assert download.body == b"root:x:0:0"
    disposition = download.headers.get("Content-Disposition", "")
    assert "/" not in disposition and ".." not in disposition
    assert "X-Injected" not in download.headers


def test_missing_and_unknown_tokens_are_401(live: LiveServer) -> None:
    with nothing_recorded(live):
        assert_error(live.request("POST", "/v1/candidates", candidate_body(), token=None),
                     401, "unauthorized")
        assert_error(live.request("POST", "/v1/candidates", candidate_body(),
                                  token="rk_" + uuid.uuid4().hex + "_" + uuid.uuid4().hex
                                  + "_forged"), 401, "unauthorized")
        assert_error(live.request("GET", "/v1/candidates", token=live.token + "x"),
                     401, "unauthorized")


@pytest.mark.parametrize(("role", "method", "path", "body"), [
    ("auditor", "POST", "/v1/candidates", candidate_body()),
    ("team_member", "POST", "/v1/postings", {"title": "Staff engineer"}),
    ("limited_team_member", "POST", "/v1/rules",
     {"name": "r", "trigger": "candidate_created", "filter": [], "actions": []}),
    ("team_member", "POST", "/v1/users",
     {"name": "Mallory", "email": "mallory@example.com", "role": "super_admin"}),
    ("admin", "POST", "/v1/users",
     {"name": "Mallory", "email": "mallory2@example.com", "role": "super_admin"}),
])
def test_tokens_of_other_roles_are_403(live: LiveServer, role: str, method: str, path: str,
                                       body: dict) -> None:
    if not live.has_route(path):
        pytest.skip(f"{path} is not served yet")
    token = user_token(live, role)
    with nothing_recorded(live):
        assert_error(live.request(method, path, body, token=token), 403, "forbidden")


def test_a_replayed_idempotency_key_records_nothing_new(live: LiveServer) -> None:
    key = "idem-" + uuid.uuid4().hex
    body = candidate_body()
    first = live.request("POST", "/v1/candidates", body, headers={"Idempotency-Key": key})
    assert first.status == 201, first.body
    with nothing_recorded(live):
        again = live.request("POST", "/v1/candidates", body, headers={"Idempotency-Key": key})
        assert again.status == 201
        assert again.json()["id"] == first.json()["id"]
        other = live.request("POST", "/v1/candidates", candidate_body(),
                             headers={"Idempotency-Key": key})
        assert_error(other, 422, "idempotency_key_reused")


def _ats_event() -> bytes:
    return json.dumps({
        "event_id": "evt-" + uuid.uuid4().hex, "type": "application.rejected",
        "occurred_at": "2026-01-05T10:00:00+00:00",
        "candidate": {"external_id": "ext-" + uuid.uuid4().hex[:8], "name": "Ats Person",
                      "email": f"ats-{uuid.uuid4().hex[:8]}@example.com"},
        "rejection_reason": "position_filled", "last_stage": "final_interview"}).encode()


@pytest.mark.parametrize("signature", [
    None, "", "sha256=" + "0" * 64, "0" * 64,
    hmac.new(b"not-the-secret", b"{}", hashlib.sha256).hexdigest(),
])
def test_forged_ats_signatures_are_401(live: LiveServer, signature: str | None) -> None:
    if not live.has_route("/v1/ats/events"):
        pytest.skip("/v1/ats/events is not served yet")
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Rekindle-Signature"] = signature
    with nothing_recorded(live):
        response = live.request("POST", "/v1/ats/events", raw=_ats_event(), headers=headers,
                                token=None)
        assert_error(response, 401)
