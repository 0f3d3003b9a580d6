"""Through the HTTP API: copying refused while a deletion is pending, nothing personal in any
answer after anonymization (history included), and the erasure record for auditors."""

from __future__ import annotations

import io

import pytest

from api.app import create_app
from domain.actor import Actor
from tests.gdpr.conftest import pg_dump
from tests.gdpr.test_crypto_shredding import (
    EMAIL,
    FILE_BYTES,
    FILE_NAME,
    HEADLINE,
    LINK,
    LOCATION,
    NAME,
    PHONE,
    REFERRAL_NOTES,
    leaks,
)


@pytest.fixture
def api(make_runtime):
    runtime = make_runtime(projections=True)
    tokens = {}
    for role in ("super_admin", "team_member", "auditor"):
        created = runtime.rekindle.users.create(f"{role} user", f"{role}@example.com", role,
                                          Actor.system())
        tokens[role] = (created.id, created.extra["token"])
    return runtime, create_app(runtime).test_client(), tokens


def call(client, token, method, path, **kwargs):
    response = client.open(path, method=method,
                           headers={"Authorization": f"Bearer {token}",
                                    **kwargs.pop("headers", {})}, **kwargs)
    return response


def test_after_anonymization_no_answer_of_the_api_shows_the_person(api):
    runtime, client, tokens = api
    admin_id, admin = tokens["super_admin"]
    _, recruiter = tokens["team_member"]
    _, auditor = tokens["auditor"]
    created = call(client, recruiter, "POST", "/v1/candidates", headers={"Idempotency-Key": "k1"},
                   json={"name": NAME, "emails": [EMAIL], "phones": [PHONE],
                         "location": LOCATION, "headline": HEADLINE, "links": [LINK]})
    assert created.status_code == 201, created.get_json()
    cid = created.get_json()["id"]
    opp = call(client, recruiter, "POST", f"/v1/candidates/{cid}/opportunities",
               json={"general": True}).get_json()["id"]
    uploaded = call(client, recruiter, "POST", f"/v1/opportunities/{opp}/files",
                    data={"file": (io.BytesIO(FILE_BYTES), FILE_NAME), "kind": "resume"},
                    content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    file_id = uploaded.get_json()["id"]
    call(client, recruiter, "POST", f"/v1/opportunities/{opp}/referral",
         json={"referrer_id": str(admin_id), "notes": REFERRAL_NOTES})

    assert call(client, recruiter, "POST", f"/v1/candidates/{cid}/deletion-request",
                json={}).status_code == 200
    refused = call(client, recruiter, "POST", f"/v1/candidates/{cid}/opportunities",
                   json={"general": True,
                         "copy_from": {"opportunity_id": opp, "categories": ["resumes"]}})
    assert refused.status_code == 409 and refused.get_json()["error"] == "gdpr_blocked"

    done = call(client, admin, "POST", f"/v1/candidates/{cid}/anonymize",
                json={"reason": "request"})
    assert done.status_code == 200
    wait = f"min_position={done.headers['X-Rekindle-Position']}"

    answers = [call(client, token, "GET", path) for token, path in (
        (recruiter, f"/v1/candidates/{cid}?{wait}"),
        (recruiter, f"/v1/candidates?{wait}"),
        (recruiter, f"/v1/candidates?q=Quixotewright&{wait}"),
        (recruiter, f"/v1/opportunities/{opp}?{wait}"),
        (recruiter, f"/v1/opportunities/{opp}/files/{file_id}"),
        (auditor, f"/v1/candidates/{cid}/history?{wait}"),
        (auditor, f"/v1/opportunities/{opp}/history?{wait}"),
        (auditor, f"/v1/audit/erasures?{wait}"),
    )]
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert answers[4].status_code == 404
    assert [a.status_code for a in answers[5:]] == [200] * 3
    assert len(answers[5].get_json()["items"]) >= 4
    assert [leaks(a.get_data(as_text=True)) for a in answers] == [[]] * len(answers)
    assert leaks(pg_dump(runtime)) == []


def test_auditors_read_the_erasure_record_without_personal_data(api):
    _, client, tokens = api
    admin_id, admin = tokens["super_admin"]
    _, recruiter = tokens["team_member"]
    _, auditor = tokens["auditor"]
    cid = call(client, recruiter, "POST", "/v1/candidates",
               json={"name": NAME, "emails": [EMAIL]}).get_json()["id"]
    asked = call(client, recruiter, "POST", f"/v1/candidates/{cid}/deletion-request", json={})

    pending = call(client, auditor, "GET", "/v1/audit/erasures?min_position="
                   + asked.headers["X-Rekindle-Position"]).get_json()["items"]
    done = call(client, admin, "POST", f"/v1/candidates/{cid}/anonymize", json={})
    record = call(client, auditor, "GET", "/v1/audit/erasures?status=done&min_position="
                  + done.headers["X-Rekindle-Position"])

    assert [(e["candidate_id"], e["status"], e["reason"]) for e in pending] == [
        (cid, "pending", "request")]
    [entry] = record.get_json()["items"]
    assert entry["candidate_id"] == cid and entry["reason"] == "admin"
    assert entry["anonymized_by"] == str(admin_id) and entry["anonymized_by_role"] == "super_admin"
    assert entry["deletion_requested_by"] is not None and entry["anonymized_at"]
    assert leaks(record.get_data(as_text=True)) == []
    assert call(client, recruiter, "GET", "/v1/audit/erasures").status_code == 403
