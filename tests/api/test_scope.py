"""A limited team member's scope holds on every route that names or returns a candidate or an
opportunity: out of scope looks like an unknown id, and nothing is recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, candidate, opportunity, posting


def head(api: Api) -> int:
    """The event log's last position, read straight from the database."""
    with api.runtime.database.pool.connection() as conn:
        return conn.execute("SELECT coalesce(max(notification_id), 0) FROM rekindle_events"
                            ).fetchone()[0]


def position(response: Any) -> int:
    return int(response.headers["X-Rekindle-Position"])


@pytest.fixture
def scene(client: Api) -> dict[str, Any]:
    """A limited member with one candidate in scope (Mia, on their posting) and two out of it:
    Olaf, with an opportunity on someone else's posting, and Nora, with no opportunity."""
    member_id, member = client.new_user("limited_team_member", "Lim")
    theirs = posting(client, hiring_team=[member_id])
    other = posting(client)
    mia, olaf, nora = candidate(client), candidate(client), candidate(client)
    mine = opportunity(client, mia, posting_id=theirs, tags=["mine"], sources=["Fair"])
    foreign = opportunity(client, mia, posting_id=other, tags=["foreign-tag"],
                          sources=["Foreign source"], stage="offer")
    archived = client.post(f"/v1/opportunities/{foreign}/archive", {"reason": "timing"})
    assert archived.status_code == 200
    opportunity(client, olaf, posting_id=other)
    pool = client.post("/v1/pools", {"name": "Silver"}).get_json()["id"]
    campaign = client.post("/v1/campaigns", {"name": "C", "subject": "S", "body": "B"}
                           ).get_json()["id"]
    return {"member": member, "member_id": member_id, "mia": mia, "olaf": olaf, "nora": nora,
            "mine": mine, "foreign": foreign, "pool": pool, "campaign": campaign,
            "at": position(archived)}


@pytest.mark.parametrize("who", ["olaf", "nora"])
def test_reminders_on_a_candidate_out_of_scope_are_refused_as_for_an_unknown_one(
        client: Api, scene: dict[str, Any], who: str) -> None:
    member, before = scene["member"], head(client)
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = {"due_at": due, "note": "call"}
    refused = member.post(f"/v1/candidates/{scene[who]}/reminders", body)
    unknown = member.post(f"/v1/candidates/{uuid.uuid4()}/reminders", body)
    assert (refused.status_code, refused.get_json()["error"]) == (404, "not_found")
    assert unknown.status_code == 404
    assert head(client) == before
    assert member.post(f"/v1/candidates/{scene['mia']}/reminders", body).status_code == 201


@pytest.mark.parametrize("who", ["olaf", "nora"])
def test_pool_membership_of_a_candidate_out_of_scope_is_refused_as_for_an_unknown_one(
        client: Api, scene: dict[str, Any], who: str) -> None:
    member, pool, before = scene["member"], scene["pool"], head(client)
    refused = member.post(f"/v1/pools/{pool}/members", {"candidate_ids": [scene[who]]})
    unknown = member.post(f"/v1/pools/{pool}/members", {"candidate_ids": [str(uuid.uuid4())]})
    assert refused.status_code == unknown.status_code == 422
    assert refused.get_json()["error"] == unknown.get_json()["error"] == "validation_error"
    assert head(client) == before
    added = client.post(f"/v1/pools/{pool}/members", {"candidate_ids": [scene[who]]})
    assert added.status_code == 200
    before = head(client)
    removed = member.delete(f"/v1/pools/{pool}/members/{scene[who]}")
    assert (removed.status_code, removed.get_json()["error"]) == (404, "not_found")
    assert head(client) == before
    members = member.get(f"/v1/pools/{pool}/members",
                         query_string={"min_position": position(added)}).get_json()["items"]
    assert scene[who] not in [m["id"] for m in members]


@pytest.mark.parametrize("who", ["olaf", "nora"])
def test_a_campaign_sent_to_a_candidate_out_of_scope_tells_nothing_about_them(
        client: Api, scene: dict[str, Any], who: str) -> None:
    member, before = scene["member"], head(client)
    refused = member.post(f"/v1/campaigns/{scene['campaign']}/send",
                          {"candidate_ids": [scene[who]]})
    unknown = member.post(f"/v1/campaigns/{scene['campaign']}/send",
                          {"candidate_ids": [str(uuid.uuid4())]})
    assert refused.status_code == unknown.status_code == 422
    assert "consent" not in refused.get_data(as_text=True)
    assert head(client) == before


def test_the_profile_as_of_now_lists_only_the_opportunities_in_scope(
        client: Api, scene: dict[str, Any]) -> None:
    now = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    plain = scene["member"].get(f"/v1/candidates/{scene['mia']}",
                                query_string={"min_position": scene["at"]}).get_json()
    replayed = scene["member"].get(f"/v1/candidates/{scene['mia']}",
                                   query_string={"as_of": now}).get_json()
    for profile in (plain, replayed):
        assert [o["id"] for o in profile["opportunities"]] == [scene["mine"]]


def test_the_profiles_derived_lists_hold_only_what_the_scope_shows(
        client: Api, scene: dict[str, Any]) -> None:
    now = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    for query in ({"min_position": scene["at"]}, {"as_of": now}):
        profile = scene["member"].get(f"/v1/candidates/{scene['mia']}",
                                      query_string=query).get_json()
        shown = [*profile["opportunity_tags"], *profile["opportunity_sources"],
                 *profile["stages"], *profile["archive_reasons"]]
        assert "mine" in shown and "Fair" in shown
        for foreign in ("foreign-tag", "Foreign source", "offer", "timing"):
            assert foreign not in shown, (query, foreign)


def test_a_search_does_not_match_on_what_the_scope_hides(
        client: Api, scene: dict[str, Any]) -> None:
    member = scene["member"]
    for query in ({"tag": "foreign-tag"}, {"source": "Foreign source"}, {"stage": "offer"},
                  {"archive_reason": "timing"}):
        found = member.get("/v1/candidates", query_string={**query, "min_position": scene["at"]})
        assert scene["mia"] not in [c["id"] for c in found.get_json()["items"]], query
    found = member.get("/v1/candidates", query_string={"tag": "mine"}).get_json()["items"]
    assert [c["id"] for c in found] == [scene["mia"]]


def test_the_candidate_history_leaves_out_opportunities_out_of_scope(
        client: Api, scene: dict[str, Any]) -> None:
    items = scene["member"].get(f"/v1/candidates/{scene['mia']}/history",
                                query_string={"min_position": scene["at"]}).get_json()["items"]
    shown = {i["aggregate_id"] for i in items}
    assert scene["mine"] in shown and scene["mia"] in shown
    assert scene["foreign"] not in shown
    assert scene["member"].get(f"/v1/opportunities/{scene['foreign']}/history").status_code == 404
