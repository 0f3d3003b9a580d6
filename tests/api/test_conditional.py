"""ETag and If-Match: a resource's GET names its version, a write sent with a version that no
longer holds is 412 and records nothing; and every 201 says where the new resource is."""

from __future__ import annotations

import threading
from typing import Any

from tests.api.conftest import Api, candidate, opportunity, posting, unique_email


def _read(api: Api, path: str, position: int = 0) -> Any:
    response = api.get(path, query_string={"min_position": position})
    assert response.status_code == 200, response.get_json()
    return response


def _position(response: Any) -> int:
    return int(response.headers["X-Rekindle-Position"])


def test_the_etag_is_the_version_and_changes_after_a_write(client: Api) -> None:
    cid = candidate(client)
    first = _read(client, f"/v1/candidates/{cid}")
    assert first.headers["ETag"] == f'"{first.get_json()["version"]}"'
    changed = client.patch(f"/v1/candidates/{cid}", {"headline": "Engineer"},
                           headers={"If-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    after = _read(client, f"/v1/candidates/{cid}", _position(changed))
    assert after.headers["ETag"] != first.headers["ETag"]
    assert changed.headers["ETag"] == after.headers["ETag"]


def test_a_stale_if_match_is_412_and_records_nothing(client: Api) -> None:
    cid = candidate(client)
    stale = _read(client, f"/v1/candidates/{cid}").headers["ETag"]
    moved = client.patch(f"/v1/candidates/{cid}", {"headline": "first"})
    assert moved.status_code == 200
    head = client.runtime.rekindle.store.head()
    refused = client.patch(f"/v1/candidates/{cid}", {"headline": "second"},
                           headers={"If-Match": stale})
    assert refused.status_code == 412
    assert refused.get_json()["error"] == "precondition_failed"
    assert client.runtime.rekindle.store.head() == head
    assert _read(client, f"/v1/candidates/{cid}", head).get_json()["headline"] == "first"


def test_two_clients_with_the_same_if_match_one_wins(client: Api, flask_app: Any) -> None:
    """Both read the same version, both PATCH at once: the store takes one, the command of the
    other runs again, finds the new version and refuses."""
    cid = candidate(client)
    etag = _read(client, f"/v1/candidates/{cid}").headers["ETag"]
    start, answers = threading.Barrier(2), []

    def edit(headline: str) -> None:
        api = Api(flask_app.test_client(), client.token, client.runtime)
        start.wait()
        answers.append(api.patch(f"/v1/candidates/{cid}", {"headline": headline},
                                 headers={"If-Match": etag}))

    threads = [threading.Thread(target=edit, args=(h,)) for h in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 412]
    (won,) = [a for a in answers if a.status_code == 200]
    after = _read(client, f"/v1/candidates/{cid}", _position(won)).get_json()
    assert after["headline"] == won.get_json()["headline"]
    assert after["version"] == int(etag.strip('"')) + 1


def test_write_routes_under_the_path_honour_if_match(client: Api) -> None:
    cid = candidate(client)
    oid = opportunity(client, cid)
    etag = _read(client, f"/v1/opportunities/{oid}").headers["ETag"]
    staged = client.post(f"/v1/opportunities/{oid}/stage", {"stage": "offer"},
                         headers={"If-Match": etag})
    assert staged.status_code == 200
    head = client.runtime.rekindle.store.head()
    for path, body in ((f"/v1/opportunities/{oid}/stage", {"stage": "hired"}),
                       (f"/v1/opportunities/{oid}/tags", {"tags": ["go"]}),
                       (f"/v1/opportunities/{oid}/archive", {"reason": "timing"})):
        refused = client.post(path, body, headers={"If-Match": etag})
        assert refused.status_code == 412, (path, refused.get_json())
    assert client.runtime.rekindle.store.head() == head
    pid = posting(client)
    posted = _read(client, f"/v1/postings/{pid}")
    assert client.post(f"/v1/postings/{pid}/state", {"state": "closed"},
                       headers={"If-Match": '"99"'}).status_code == 412
    assert client.post(f"/v1/postings/{pid}/state", {"state": "closed"},
                       headers={"If-Match": posted.headers["ETag"]}).status_code == 200


def test_star_any_version_and_foreign_tags(client: Api) -> None:
    cid = candidate(client)
    assert client.patch(f"/v1/candidates/{cid}", {"headline": "a"},
                        headers={"If-Match": "*"}).status_code == 200
    for foreign in ('W/"1"', "1", '"1", "2"', "garbage"):
        refused = client.patch(f"/v1/candidates/{cid}", {"headline": "b"},
                               headers={"If-Match": foreign})
        assert refused.status_code == 412, foreign


def test_a_resource_out_of_scope_is_404_whatever_the_if_match(client: Api) -> None:
    _, limited = client.new_user("limited_team_member")
    cid = candidate(client)
    refused = limited.patch(f"/v1/candidates/{cid}", {"headline": "x"},
                            headers={"If-Match": '"1"'})
    assert refused.status_code == 404


def test_every_single_resource_get_has_an_etag(client: Api) -> None:
    user_id, _ = client.new_user("team_member")
    cid = candidate(client)
    pool_id = client.post("/v1/pools", {"name": "P"}).get_json()["id"]
    rule = client.post("/v1/rules", {"name": "R", "trigger": "tag_added", "filter": [],
                                     "actions": [{"type": "add_tag", "tag": "x"}]})
    form = client.post("/v1/forms", {"title": "F"})
    campaign = client.post("/v1/campaigns", {"name": "C", "subject": "S", "body": "B"})
    position = _position(campaign)
    for path in (f"/v1/candidates/{cid}", f"/v1/opportunities/{opportunity(client, cid)}",
                 f"/v1/postings/{posting(client)}", f"/v1/pools/{pool_id}",
                 f"/v1/rules/{rule.get_json()['id']}", f"/v1/forms/{form.get_json()['id']}",
                 f"/v1/campaigns/{campaign.get_json()['id']}", f"/v1/users/{user_id}"):
        response = _read(client, path, position)
        assert response.headers["ETag"] == f'"{response.get_json()["version"]}"', path


def test_every_201_names_the_new_resource_in_location(client: Api) -> None:
    cid = candidate(client)
    created = [
        client.post("/v1/candidates", {"name": "Loc", "emails": [unique_email()]}),
        client.post(f"/v1/candidates/{cid}/opportunities", {"general": True}),
        client.post("/v1/postings", {"title": "T", "state": "published"}),
        client.post("/v1/pools", {"name": "P"}),
        client.post("/v1/forms", {"title": "F"}),
        client.post("/v1/campaigns", {"name": "C", "subject": "S", "body": "B"}),
        client.post("/v1/users", {"name": "U", "email": unique_email(), "role": "auditor"}),
        client.post(f"/v1/candidates/{cid}/reminders", {"due_at": "2030-01-01T00:00:00Z",
                                                        "note": "call"}),
        client.post("/v1/rules", {"name": "R", "trigger": "tag_added", "filter": [],
                                  "actions": [{"type": "add_tag", "tag": "x"}]}),
    ]
    for response in created:
        assert response.status_code == 201, response.get_json()
        where = response.headers["Location"]
        assert where.endswith(response.get_json()["id"]), where
        assert _read(client, where, _position(response)).get_json()["id"] == \
            response.get_json()["id"]


def test_a_replayed_201_carries_its_location(client: Api) -> None:
    body = {"name": "Again", "emails": [unique_email()]}
    key = {"Idempotency-Key": "location-replay"}
    first = client.post("/v1/candidates", body, headers=key)
    again = client.post("/v1/candidates", body, headers=key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.headers["Location"] == first.headers["Location"]


def test_put_forward_points_at_the_postings_pipeline(client: Api) -> None:
    pid = posting(client)
    cid = candidate(client)
    answer = client.post(f"/v1/postings/{pid}/put-forward", {"candidate_ids": [cid]})
    assert answer.status_code == 201
    where = answer.headers["Location"]
    assert where == f"/v1/opportunities?posting_id={pid}"
    listed = client.get(f"{where}&min_position={_position(answer)}")
    assert listed.status_code == 200
    pipeline = listed.get_json()
    assert [o["candidate_id"] for o in pipeline["items"]] == [cid]
