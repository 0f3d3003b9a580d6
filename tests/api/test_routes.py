"""Every core route of docs/API.md, as a client would call it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from tests.api.conftest import candidate, opportunity, posting, unique_email


def position(response) -> int:
    return int(response.headers["X-Rekindle-Position"])


def test_users_are_created_with_a_token_shown_once_that_then_works(client):
    email = unique_email("tom")
    response = client.post("/v1/users", {"name": "Tom Recruiter", "email": email,
                                         "role": "auditor"})
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("name", "email", "role")} == {
        "name": "Tom Recruiter", "email": email, "role": "auditor"}
    assert position(response) > 0
    tom = client.as_user(body["token"])
    own = tom.get(f"/v1/users/{body['id']}", query_string={"min_position": position(response)})
    assert own.get_json()["email"] == email
    listed = client.get("/v1/users", query_string={"role": "auditor", "limit": 500,
                                                   "min_position": position(response)})
    assert body["id"] in [u["id"] for u in listed.get_json()["items"]]
    assert {u["role"] for u in listed.get_json()["items"]} == {"auditor"}
    read_back = client.get(f"/v1/users/{body['id']}")
    assert read_back.status_code == 200 and "token" not in read_back.get_json()


def test_tokens_are_issued_and_revoked_and_roles_changed(client):
    user_id, tom = client.new_user("team_member")
    issued = client.post(f"/v1/users/{user_id}/tokens")
    assert issued.status_code == 201
    second = client.as_user(issued.get_json()["token"])
    assert second.get("/v1/postings").status_code == 200
    revoked = tom.delete(f"/v1/users/{user_id}/tokens/{issued.get_json()['token_id']}")
    assert revoked.status_code == 200 and position(revoked) > 0
    assert second.get("/v1/postings").status_code == 401
    assert tom.get("/v1/postings").status_code == 200
    changed = client.post(f"/v1/users/{user_id}/role", {"role": "auditor"})
    assert changed.status_code == 200
    assert tom.post("/v1/candidates", {"name": "X", "emails": ["x@example.com"]}).status_code == 403


def test_postings_are_created_read_listed_and_change_state(client):
    response = client.post("/v1/postings", {"title": "Designer", "team": "Product",
                                            "location": "Berlin"})
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("title", "team", "location", "state", "hiring_team")} == {
        "title": "Designer", "team": "Product", "location": "Berlin", "state": "draft",
        "hiring_team": []}
    changed = client.post(f"/v1/postings/{body['id']}/state", {"state": "published"})
    assert changed.status_code == 200 and changed.get_json()["state"] == "published"
    assert client.get(f"/v1/postings/{body['id']}").get_json()["state"] == "published"
    other = posting(client, state="closed")
    published = client.get("/v1/postings", query_string={"state": "published",
                                                          "limit": 500}).get_json()["items"]
    assert body["id"] in [p["id"] for p in published] and other not in [p["id"] for p in published]
    assert {p["state"] for p in published} == {"published"}
    everything = client.get("/v1/postings", query_string={"limit": 500}).get_json()["items"]
    assert {p["id"] for p in everything} >= {body["id"], other}


def test_candidate_is_created_read_patched_listed_and_replayed_as_of(client):
    email = unique_email()
    response = client.post("/v1/candidates", {
        "name": "Ann Lee", "emails": [email], "phones": ["+49 30 1234"],
        "location": "Berlin", "headline": "Go developer", "links": ["https://ann.dev"],
        "tags": ["golang"], "sources": ["LinkedIn"], "origin": "sourced"})
    assert response.status_code == 201
    created = response.get_json()
    assert created["name"] == "Ann Lee" and created["emails"] == [email]
    assert created["consent"]["status"] == "none"
    assert created["gdpr"] == {**created["gdpr"], "deletion_requested": False,
                               "anonymized": False}
    cid = created["id"]
    before_patch = datetime.now(UTC)
    patched = client.patch(f"/v1/candidates/{cid}", {"headline": "Rust developer"})
    assert patched.status_code == 200 and patched.get_json()["headline"] == "Rust developer"
    now = client.get(f"/v1/candidates/{cid}", query_string={"min_position": position(patched)})
    assert now.get_json()["headline"] == "Rust developer"
    then = client.get(f"/v1/candidates/{cid}", query_string={"as_of": before_patch.isoformat()})
    assert then.status_code == 200 and then.get_json()["headline"] == "Go developer"
    found = client.get("/v1/candidates", query_string={"q": email, "tag": "golang"}).get_json()
    assert [c["id"] for c in found["items"]] == [cid]
    assert client.get("/v1/candidates", query_string={"q": email, "tag": "java"}
                      ).get_json()["items"] == []


def test_duplicate_email_in_other_case_names_the_existing_candidate(client):
    email = unique_email()
    first = candidate(client, email.capitalize())
    response = client.post("/v1/candidates", {"name": "Ann L.", "emails": [email.upper()]})
    assert response.status_code == 409
    assert response.get_json()["error"] == "duplicate_candidate"
    assert response.get_json()["details"]["candidate_id"] == first


def test_opportunity_lifecycle(client):
    user_id, _ = client.new_user("team_member")
    pid = posting(client)
    other = posting(client)
    cid = candidate(client)
    response = client.post(f"/v1/candidates/{cid}/opportunities", {
        "posting_id": pid, "stage": "recruiter_screen", "origin": "referred",
        "sources": ["Referral"], "tags": ["backend"], "owner_id": user_id})
    assert response.status_code == 201
    opp = response.get_json()
    assert {k: opp[k] for k in ("candidate_id", "posting_id", "general", "owner_id", "stage",
                                "origin", "sources", "tags", "archived")} == {
        "candidate_id": cid, "posting_id": pid, "general": False, "owner_id": user_id,
        "stage": "recruiter_screen", "origin": "referred", "sources": ["Referral"],
        "tags": ["backend"], "archived": None}
    oid = opp["id"]
    url = f"/v1/opportunities/{oid}"
    assert client.post(f"{url}/stage", {"stage": "offer"}).get_json()["stage"] == "offer"
    tagged = client.post(f"{url}/tags", {"tags": ["senior", "remote"]}).get_json()
    assert set(tagged["tags"]) == {"backend", "senior", "remote"}
    assert "remote" not in client.delete(f"{url}/tags/remote").get_json()["tags"]
    referral = client.post(f"{url}/referral", {"referrer_id": user_id, "relationship": "friend"})
    assert referral.get_json()["referral"]["referrer_id"] == user_id
    archived = client.post(f"{url}/archive", {"reason": "timing"})
    assert archived.status_code == 200 and archived.get_json()["archived"]["reason"] == "timing"
    again = client.post(f"{url}/archive", {"reason": "timing"})
    assert again.status_code == 422 and again.get_json()["error"] == "opportunity_archived"
    silver = client.get("/v1/candidates", query_string={"archive_reason": "timing",
                                                        "limit": 500}).get_json()
    assert cid in [c["id"] for c in silver["items"]]
    assert client.post(f"{url}/unarchive").get_json()["archived"] is None
    active = client.post(f"{url}/unarchive")
    assert active.status_code == 422 and active.get_json()["error"] == "opportunity_active"
    not_general = client.post(f"{url}/convert", {"posting_id": other})
    assert not_general.status_code == 422 and not_general.get_json()["error"] == "not_general"
    profile = client.get(f"/v1/candidates/{cid}").get_json()
    assert [o["id"] for o in profile["opportunities"]] == [oid]


def test_general_opportunity_converts_to_an_open_posting_only(client):
    cid = candidate(client)
    oid = opportunity(client, cid, general=True)
    assert client.get(f"/v1/opportunities/{oid}").get_json()["general"] is True
    draft = posting(client, state="draft")
    refused = client.post(f"/v1/opportunities/{oid}/convert", {"posting_id": draft})
    assert refused.status_code == 422 and refused.get_json()["error"] == "posting_not_open"
    pid = posting(client, state="internal")
    converted = client.post(f"/v1/opportunities/{oid}/convert", {"posting_id": pid})
    assert converted.status_code == 200
    assert converted.get_json()["posting_id"] == pid and converted.get_json()["general"] is False


def test_opportunity_creation_errors(client):
    cid = candidate(client)
    url = f"/v1/candidates/{cid}/opportunities"
    neither = client.post(url, {})
    assert neither.status_code == 422 and neither.get_json()["error"] == "validation_error"
    assert "posting_id" in neither.get_json()["details"]
    both = client.post(url, {"posting_id": posting(client), "general": True})
    assert both.status_code == 422 and both.get_json()["error"] == "validation_error"
    missing = client.post(url, {"posting_id": "00000000-0000-4000-8000-000000000000"})
    assert missing.status_code == 422 and missing.get_json()["error"] == "posting_not_found"
    closed = client.post(url, {"posting_id": posting(client, state="closed")})
    assert closed.status_code == 422 and closed.get_json()["error"] == "posting_not_open"
    stage = client.post(url, {"general": True, "stage": "lunch"})
    assert stage.status_code == 422 and "stage" in stage.get_json()["details"]
    nobody = client.post("/v1/candidates/00000000-0000-4000-8000-000000000000/opportunities",
                         {"general": True})
    assert nobody.status_code == 404 and nobody.get_json()["error"] == "not_found"


def test_copy_from_rules_and_gdpr_block(client):
    cid = candidate(client)
    other_cid = candidate(client)
    source = opportunity(client, cid, general=True, sources=["Referral"], tags=["go"])
    foreign = opportunity(client, other_cid, general=True)
    url = f"/v1/candidates/{cid}/opportunities"
    pid = posting(client)
    not_ours = client.post(url, {"posting_id": pid, "copy_from": {
        "opportunity_id": foreign, "categories": ["tags"]}})
    assert not_ours.status_code == 422
    assert not_ours.get_json()["error"] == "opportunity_not_of_candidate"
    referral_alone = client.post(url, {"posting_id": pid, "copy_from": {
        "opportunity_id": source, "categories": ["referral"]}})
    assert referral_alone.status_code == 422
    assert referral_alone.get_json()["error"] == "validation_error"
    bad_reason = client.post(url, {"posting_id": pid, "copy_from": {
        "opportunity_id": source, "categories": ["tags"], "archive_source": {"reason": "bored"}}})
    assert bad_reason.status_code == 422 and bad_reason.get_json()["error"] == "validation_error"
    copied = client.post(url, {"posting_id": pid, "copy_from": {
        "opportunity_id": source, "categories": ["tags", "sources"],
        "archive_source": {"reason": "position_filled"}}})
    assert copied.status_code == 201
    body = copied.get_json()
    assert body["tags"] == ["go"] and body["sources"] == ["Referral"]
    assert body["copied_from"]["opportunity_id"] == source
    source_now = client.get(f"/v1/opportunities/{source}",
                            query_string={"min_position": position(copied)}).get_json()
    assert source_now["archived"]["reason"] == "position_filled"
    archived_again = client.post(url, {"general": True, "copy_from": {
        "opportunity_id": source, "categories": ["tags"],
        "archive_source": {"reason": "timing"}}})
    assert archived_again.status_code == 422
    assert archived_again.get_json()["error"] == "opportunity_archived"
    assert client.post(f"/v1/candidates/{cid}/deletion-request").status_code == 200
    blocked = client.post(url, {"general": True, "copy_from": {
        "opportunity_id": source, "categories": ["tags"]}})
    assert blocked.status_code == 409 and blocked.get_json()["error"] == "gdpr_blocked"
    assert client.post(url, {"general": True}).status_code == 201


def test_files_upload_download_secret_and_size_limit(client, runtime):
    cid = candidate(client)
    oid = opportunity(client, cid)
    url = f"/v1/opportunities/{oid}/files"
    upload = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4 cv"), "../Ann \"CV\".pdf",
                                             "application/pdf"), "kind": "resume"},
                         content_type="multipart/form-data")
    assert upload.status_code == 201
    meta = upload.get_json()
    assert {k: meta[k] for k in ("secret", "kind", "size")} == {
        "secret": False, "kind": "resume", "size": 11}
    download = client.get(f"{url}/{meta['id']}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 cv"
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition
    assert disposition.count('"') == 2
    position = upload.headers["X-Rekindle-Position"]
    listed = client.get(f"/v1/opportunities/{oid}?min_position={position}").get_json()["files"]
    assert [f["id"] for f in listed] == [meta["id"]]
    secret = client.post(url, data={"file": (io.BytesIO(b"salary"), "offer.txt"),
                                    "secret": "true"}, content_type="multipart/form-data")
    assert secret.status_code == 201
    _, recruiter = client.new_user("team_member")
    assert recruiter.get(f"{url}/{secret.get_json()['id']}").status_code == 404
    assert client.get(f"{url}/{secret.get_json()['id']}").data == b"salary"
    too_big = b"x" * (runtime.settings.max_file_bytes + 1)
    refused = client.post(url, data={"file": (io.BytesIO(too_big), "big.bin")},
                          content_type="multipart/form-data")
    assert refused.status_code == 413 and refused.get_json()["error"] == "payload_too_large"
    removed = client.delete(f"{url}/{meta['id']}")
    assert removed.status_code == 200
    assert client.get(f"{url}/{meta['id']}").status_code == 404


def test_consent_and_anonymization(client):
    email = unique_email()
    cid = candidate(client, email)
    requested = client.post(f"/v1/candidates/{cid}/consent/request", {"deadline_days": 10})
    assert requested.status_code == 200
    assert requested.get_json()["consent"]["status"] == "requested"
    assert requested.get_json()["consent"]["deadline"] is not None
    granted = client.post(f"/v1/candidates/{cid}/consent/grant", {"channel": "email",
                                                                  "purposes": ["campaigns"]})
    assert granted.get_json()["consent"]["status"] == "granted"
    revoked = client.post(f"/v1/candidates/{cid}/consent/revoke")
    assert revoked.get_json()["consent"]["status"] == "revoked"
    deletion = client.post(f"/v1/candidates/{cid}/deletion-request")
    assert deletion.get_json()["gdpr"]["deletion_requested"] is True
    _, recruiter = client.new_user("team_member")
    assert recruiter.post(f"/v1/candidates/{cid}/anonymize").status_code == 403
    gone = client.post(f"/v1/candidates/{cid}/anonymize")
    assert gone.status_code == 200
    profile = client.get(f"/v1/candidates/{cid}",
                         query_string={"min_position": position(gone)}).get_json()
    assert profile["gdpr"]["anonymized"] is True
    assert "Ann" not in str(profile) and email not in str(profile)
    assert candidate(client, email) != cid


def test_history_lists_every_event_of_candidate_and_opportunities_in_order(client):
    cid = candidate(client)
    oid = opportunity(client, cid)
    client.post(f"/v1/opportunities/{oid}/stage", {"stage": "offer"})
    items = client.get(f"/v1/candidates/{cid}/history").get_json()["items"]
    assert [i["type"] for i in items] == ["CandidateCreated", "OpportunityCreated",
                                          "StageChanged"]
    assert [i["position"] for i in items] == sorted(i["position"] for i in items)
    assert set(items[0]) >= {"position", "aggregate_type", "aggregate_id", "version", "type",
                             "occurred_at", "actor_id", "data"}
    opp_items = client.get(f"/v1/opportunities/{oid}/history").get_json()["items"]
    assert [i["type"] for i in opp_items] == ["OpportunityCreated", "StageChanged"]
    _, auditor = client.new_user("auditor")
    assert auditor.get(f"/v1/candidates/{cid}/history").status_code == 200
    unknown = client.get("/v1/candidates/00000000-0000-4000-8000-000000000000/history")
    assert unknown.status_code == 404


def test_health_and_readiness(anonymous):
    assert anonymous.get("/healthz").get_json() == {"status": "ok"}
    ready = anonymous.get("/readyz")
    assert ready.status_code == 200
