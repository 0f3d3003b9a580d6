"""Idempotency-Key: a retried creation replays the first answer and records nothing new."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from projections.idempotency_keys import purge_candidate
from tests.api.conftest import unique_email


def test_same_key_and_body_replays_the_first_response(client):
    body = {"name": "Ann", "emails": [unique_email()]}
    key = {"Idempotency-Key": "create-ann-1"}
    first = client.post("/v1/candidates", body, headers=key)
    again = client.post("/v1/candidates", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["X-Rekindle-Position"] == first.headers["X-Rekindle-Position"]
    found = client.get("/v1/candidates", query_string={
        "q": body["emails"][0], "min_position": first.headers["X-Rekindle-Position"]})
    assert [c["id"] for c in found.get_json()["items"]] == [first.get_json()["id"]]


def test_same_key_with_another_body_is_refused(client):
    key = {"Idempotency-Key": "posting-key"}
    assert client.post("/v1/postings", {"title": "One"}, headers=key).status_code == 201
    reused = client.post("/v1/postings", {"title": "Two"}, headers=key)
    assert reused.status_code == 422 and reused.get_json()["error"] == "idempotency_key_reused"


def test_keys_belong_to_their_caller(client):
    _, admin = client.new_user("admin")
    key = {"Idempotency-Key": "shared-name"}
    mine = client.post("/v1/postings", {"title": "Same"}, headers=key)
    theirs = admin.post("/v1/postings", {"title": "Same"}, headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_a_failed_command_does_not_burn_the_key(client):
    key = {"Idempotency-Key": "retry-after-fix"}
    refused = client.post("/v1/postings", {"title": "   "}, headers=key)
    assert refused.status_code == 422
    assert client.post("/v1/postings", {"title": "   "}, headers=key).status_code == 422


def test_concurrent_duplicates_run_the_command_once(flask_app, client):
    body = {"title": "Concurrent posting"}

    def send(_: int):
        tester = flask_app.test_client()
        return tester.post("/v1/postings", json=body, headers={
            "Authorization": f"Bearer {client.token}", "Idempotency-Key": "race-1"})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.get_json()["id"] for r in responses}) == 1
    with client.runtime.database.pool.connection() as conn:
        stored = conn.execute("SELECT count(*) FROM rekindle.idempotency_keys "
                              "WHERE key = 'race-1'").fetchone()[0]
    assert stored == 1


def test_erasure_purges_stored_answers_about_a_candidate(client, runtime):
    email = unique_email()
    key = {"Idempotency-Key": "gdpr-key"}
    created = client.post("/v1/candidates", {"name": "Ann", "emails": [email]}, headers=key)
    cid = created.get_json()["id"]
    opportunity = client.post(f"/v1/candidates/{cid}/opportunities", {"general": True},
                              headers={"Idempotency-Key": "gdpr-opp"})
    assert opportunity.status_code == 201
    assert purge_candidate(runtime.database.pool, cid) == 2
    with runtime.database.pool.connection() as conn:
        left = conn.execute("SELECT count(*) FROM rekindle.idempotency_keys "
                            "WHERE body LIKE %s", (f"%{email}%",)).fetchone()[0]
    assert left == 0


def test_an_expired_key_runs_the_request_anew(client):
    key = {"Idempotency-Key": "expires-soon"}
    first = client.post("/v1/postings", {"title": "Before expiry"}, headers=key)
    with client.runtime.database.pool.connection() as conn:
        conn.execute("UPDATE rekindle.idempotency_keys SET expires_at = now() - interval '1 second'"
                     " WHERE key = %s", ("expires-soon",))
    second = client.post("/v1/postings", {"title": "After expiry"}, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.get_json()["id"] != first.get_json()["id"]
    assert "Idempotent-Replayed" not in second.headers
    assert client.post("/v1/postings", {"title": "After expiry"}, headers=key).get_json() == \
        second.get_json()


def test_the_scheduler_purges_expired_answers_and_keeps_fresh_ones(client, runtime):
    from consumers.scheduler import run_due_chores

    old, fresh = {"Idempotency-Key": "purge-old"}, {"Idempotency-Key": "purge-fresh"}
    assert client.post("/v1/postings", {"title": "Old"}, headers=old).status_code == 201
    kept = client.post("/v1/postings", {"title": "Fresh"}, headers=fresh)
    with runtime.database.pool.connection() as conn:
        conn.execute("UPDATE rekindle.idempotency_keys SET expires_at = now() - interval "
                     "'1 second' WHERE key = 'purge-old'")

    run_due_chores(runtime)

    with runtime.database.pool.connection() as conn:
        stored = {row[0] for row in conn.execute(
            "SELECT key FROM rekindle.idempotency_keys WHERE key LIKE 'purge-%'")}
    assert stored == {"purge-fresh"}
    replayed = client.post("/v1/postings", {"title": "Fresh"}, headers=fresh)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == kept.get_json()


def upload(client, oid, content: bytes, key: str):
    import io

    return client.post(f"/v1/opportunities/{oid}/files", headers={"Idempotency-Key": key},
                       data={"file": (io.BytesIO(content), "cv.txt")},
                       content_type="multipart/form-data")


def test_an_upload_with_a_key_used_for_another_file_is_refused(client):
    from tests.api.conftest import candidate, opportunity
    from tests.api.test_scope import head

    oid = opportunity(client, candidate(client))
    first = upload(client, oid, b"first file", "upload-1")
    again = upload(client, oid, b"first file", "upload-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    before = head(client)
    other = upload(client, oid, b"another file entirely", "upload-1")
    assert (other.status_code, other.get_json()["error"]) == (422, "idempotency_key_reused")
    assert head(client) == before


def test_an_import_repeated_with_its_key_starts_once(client):
    import io

    from tests.api.test_scope import head

    body = f"Email,Name\n{unique_email()},Ann\n".encode()

    def start(content: bytes):
        return client.post("/v1/imports", headers={"Idempotency-Key": "import-1"},
                           data={"file": (io.BytesIO(content), "people.csv")},
                           content_type="multipart/form-data")

    first = start(body)
    assert first.status_code == 202, first.get_json()
    after_first = head(client)
    again = start(body)
    assert again.status_code == 202 and again.get_json() == first.get_json()
    other = start(body + b"x@example.com,X\n")
    assert (other.status_code, other.get_json()["error"]) == (422, "idempotency_key_reused")
    with client.runtime.database.pool.connection() as conn:
        started = conn.execute("SELECT count(*) FROM rekindle_events WHERE topic LIKE "
                               "'%ImportStarted'").fetchone()[0]
    assert started == 1
    assert head(client) >= after_first
