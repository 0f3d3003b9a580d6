"""GET /v1/opportunities (a posting's pipeline and other cuts) and candidates by posting,
under the visibility rules of every other route."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, candidate, opportunity, posting


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _at(response: Any) -> dict[str, int]:
    return {"min_position": int(response.headers["X-Rekindle-Position"])}


def test_a_postings_pipeline_with_its_filters(client: Api) -> None:
    pid, other = posting(client), posting(client)
    ann, bob = candidate(client), candidate(client)
    first = opportunity(client, ann, posting_id=pid)
    second = opportunity(client, bob, posting_id=pid, stage="phone_interview")
    elsewhere = opportunity(client, bob, posting_id=other)
    general = opportunity(client, ann)
    last = client.post(f"/v1/opportunities/{first}/archive", {"reason": "timing"})
    at = _at(last)
    listed = client.get("/v1/opportunities", query_string={"posting_id": pid, **at})
    assert _ids(listed) == [first, second]  # oldest first
    item = listed.get_json()["items"][0]
    assert item["candidate_id"] == ann and item["archived"]["reason"] == "timing"
    assert "files" not in item and item["version"] >= 2
    query = {"posting_id": pid, **at}
    assert _ids(client.get("/v1/opportunities",
                           query_string={**query, "stage": "phone_interview"})) == [second]
    assert _ids(client.get("/v1/opportunities",
                           query_string={**query, "archived": "true"})) == [first]
    assert _ids(client.get("/v1/opportunities",
                           query_string={**query, "archived": "false"})) == [second]
    assert _ids(client.get("/v1/opportunities", query_string={
        **at, "archive_reason": "timing", "candidate_id": ann})) == [first]
    assert _ids(client.get("/v1/opportunities", query_string={
        **at, "candidate_id": bob})) == [second, elsewhere]
    assert _ids(client.get("/v1/opportunities", query_string={
        **at, "candidate_id": ann, "general": "true"})) == [general]
    assert _ids(client.get("/v1/opportunities", query_string={
        **at, "candidate_id": ann, "general": "false"})) == [first]


def test_booleans_in_the_query_are_true_or_false_and_nothing_else(client: Api) -> None:
    for value in ("yes", "1", "True", ""):
        refused = client.get("/v1/opportunities", query_string={"archived": value})
        assert refused.status_code == 422, value
        assert "archived" in refused.get_json()["details"]


def test_pages_follow_each_other(client: Api) -> None:
    pid = posting(client)
    made = [opportunity(client, candidate(client), posting_id=pid) for _ in range(3)]
    at = _at(client.post(f"/v1/opportunities/{made[-1]}/tags", {"tags": ["x"]}))
    first = client.get("/v1/opportunities", query_string={"posting_id": pid, "limit": 2, **at})
    cursor = first.get_json()["next_cursor"]
    rest = client.get("/v1/opportunities", query_string={"posting_id": pid, "cursor": cursor})
    assert _ids(first) + _ids(rest) == made and rest.get_json()["next_cursor"] is None


def test_a_limited_member_sees_only_their_postings_pipeline(client: Api) -> None:
    member_id, limited = client.new_user("limited_team_member")
    theirs, not_theirs = posting(client, hiring_team=[member_id]), posting(client)
    cid = candidate(client)
    seen = opportunity(client, cid, posting_id=theirs)
    unseen = opportunity(client, cid, posting_id=not_theirs)
    hidden = opportunity(client, cid)  # general: no hiring team lists them
    at = _at(client.post(f"/v1/opportunities/{hidden}/tags", {"tags": ["x"]}))
    assert _ids(limited.get("/v1/opportunities", query_string=at)) == [seen]
    assert _ids(limited.get("/v1/opportunities",
                            query_string={"posting_id": not_theirs, **at})) == []
    assert _ids(client.get("/v1/opportunities",
                           query_string={"candidate_id": cid, **at})) == [seen, unseen, hidden]
    # candidates by posting: the member learns nothing about the other posting's pipeline
    assert _ids(limited.get("/v1/candidates",
                            query_string={"posting_id": not_theirs, **at})) == []
    assert _ids(limited.get("/v1/candidates", query_string={"posting_id": theirs, **at})) == [cid]


def test_candidates_by_posting(client: Api) -> None:
    pid = posting(client)
    ann, bob = candidate(client), candidate(client)
    opportunity(client, ann, posting_id=pid)
    at = _at(client.post(f"/v1/candidates/{bob}/opportunities", {"general": True}))
    assert _ids(client.get("/v1/candidates", query_string={"posting_id": pid, **at})) == [ann]
