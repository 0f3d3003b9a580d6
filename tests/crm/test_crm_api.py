"""The CRM through the HTTP API: talent form -> rule -> pool, tag, notification; reminders;
campaigns with consent; rule validation; put forward; the public form's rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Runtime
from consumers.scheduler import fire_due_reminders, run_due_chores
from consumers.workers import start_in_process
from domain.actor import Actor
from tests.api.conftest import Api, candidate, posting, unique_email
from tests.waiting import wait_until


@pytest.fixture
def automation(runtime: Runtime) -> Iterator[None]:
    group = start_in_process(runtime, ["automation"], scheduler=False)
    yield
    group.stop()


def created(response: Any) -> str:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_seed_example_form_rule_pool_tag_and_notification(
        client: Api, anonymous: Api, automation: None) -> None:
    recruiter_id, recruiter = client.new_user("team_member", "Rita Recruiter")
    pool_id = created(client.post("/v1/pools", {"name": "SuccessFactors_2ndBestCandidates"}))
    form_id = created(client.post("/v1/forms", {"title": "Stay in touch"}))
    rule = client.post("/v1/rules", {
        "name": "Talent form leads", "trigger": "candidate_created",
        "filter": [{"field": "source", "op": "equals", "value": "Talent form: Stay in touch"}],
        "actions": [{"type": "add_to_pool", "pool_id": pool_id},
                    {"type": "add_tag", "tag": "silver-medallist"},
                    {"type": "notify", "to": recruiter_id, "message": "New lead in your pool"}]})
    rule_id = created(rule)

    email = unique_email("sam")
    submitted = anonymous.post(f"/v1/forms/{form_id}/submissions",
                               {"name": "Sam Silver", "email": email,
                                "interests": ["data"], "consent": True})
    assert submitted.status_code == 202, submitted.get_json()
    candidate(client)

    members = wait_until(lambda: client.get(f"/v1/pools/{pool_id}/members").get_json()["items"])
    assert [m["emails"] for m in members] == [[email]]
    sam = members[0]["id"]
    notes = wait_until(lambda: recruiter.get(
        f"/v1/notifications?recipient_id={recruiter_id}").get_json()["items"])
    assert [(n["candidate_id"], n["message"], n["reason"]) for n in notes] == [
        (sam, "New lead in your pool", "rule")]
    profile = client.get(f"/v1/candidates/{sam}").get_json()
    assert "silver-medallist" in profile["tags"] and pool_id in profile["pools"]
    assert profile["consent"]["status"] == "requested"  # until Sam confirms (double opt-in)
    assert profile["sources"] == ["Talent form: Stay in touch"]
    rule_view = wait_until(lambda: client.get(f"/v1/rules/{rule_id}").get_json()["runs"] == 1
                           and client.get(f"/v1/rules/{rule_id}").get_json())
    assert rule_view["last_run_at"] is not None


def test_a_disabled_rule_does_nothing_through_the_workers(
        client: Api, anonymous: Api, automation: None, runtime: Runtime) -> None:
    pool_id = created(client.post("/v1/pools", {"name": "Leads"}))
    form_id = created(client.post("/v1/forms", {"title": "Join us"}))
    rule_id = created(client.post("/v1/rules", {
        "name": "Leads", "trigger": "form_submitted",
        "actions": [{"type": "add_to_pool", "pool_id": pool_id}]}))
    changed = client.patch(f"/v1/rules/{rule_id}", {"enabled": False})
    assert changed.status_code == 200 and changed.get_json()["enabled"] is False
    response = anonymous.post(f"/v1/forms/{form_id}/submissions",
                              {"name": "Dee", "email": unique_email("dee"), "consent": False})
    position = int(response.headers["X-Rekindle-Position"])
    recorder = runtime.rekindle.store.recorder
    wait_until(lambda: (recorder.max_tracking_id("automation") or 0) >= position)
    assert client.get(f"/v1/pools/{pool_id}/members").get_json()["items"] == []
    assert client.get(f"/v1/rules/{rule_id}").get_json()["runs"] == 0


@pytest.mark.parametrize(("body", "bad_part"), [
    ({"trigger": "profile_viewed"}, "trigger"),
    ({"filter": [{"field": "salary", "op": "equals", "value": "1"}]}, "filter[0].field"),
    ({"filter": [{"field": "tag", "op": "matches", "value": "x"}]}, "filter[0].op"),
    ({"actions": [{"type": "send_sms"}]}, "actions[0].type"),
    ({"actions": [{"type": "add_to_pool", "pool_id": "00000000-0000-4000-8000-000000000001"}]},
     "actions[0].pool_id"),
    ({"actions": [{"type": "send_campaign",
                   "campaign_id": "00000000-0000-4000-8000-000000000002"}]},
     "actions[0].campaign_id"),
])
def test_rule_validation_names_the_bad_part(client: Api, body: dict[str, Any],
                                            bad_part: str) -> None:
    rule = {"name": "r", "trigger": "tag_added", "actions": [{"type": "add_tag", "tag": "x"}],
            **body}
    response = client.post("/v1/rules", rule)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "validation_error"
    assert bad_part in response.get_json()["details"]


def test_only_admins_create_rules(client: Api) -> None:
    _, member = client.new_user("team_member")
    response = member.post("/v1/rules", {"name": "r", "trigger": "tag_added",
                                         "actions": [{"type": "add_tag", "tag": "x"}]})
    assert response.status_code == 403


def test_a_reminder_falls_due_and_notifies_its_assignee(client: Api, runtime: Runtime) -> None:
    user_id, recruiter = client.new_user("team_member", "Rita")
    sam = candidate(client)
    due = datetime.now(UTC) + timedelta(days=180)
    response = recruiter.post(f"/v1/candidates/{sam}/reminders",
                              {"due_at": due.isoformat(), "note": "Sam said: ask again in spring"})
    reminder_id = created(response)

    assert fire_due_reminders(runtime, datetime.now(UTC)) == 0
    assert run_due_chores(runtime, due + timedelta(seconds=30)) >= 1  # housekeeping counts too
    assert fire_due_reminders(runtime, due + timedelta(seconds=60)) == 0

    notes = wait_until(lambda: recruiter.get(
        f"/v1/notifications?recipient_id={user_id}").get_json()["items"])
    assert [(n["candidate_id"], n["reason"]) for n in notes] == [(sam, "reminder_due")]
    assert "spring" not in notes[0]["message"]
    reminders = wait_until(lambda: recruiter.get(
        f"/v1/reminders?assignee_id={user_id}&status=due").get_json()["items"])
    assert [(r["id"], r["note"]) for r in reminders] == [(reminder_id,
                                                         "Sam said: ask again in spring")]


def test_a_campaign_skips_candidates_without_consent(client: Api, runtime: Runtime) -> None:
    pool_id = created(client.post("/v1/pools", {"name": "Newsletter"}))
    willing, silent = candidate(client), candidate(client)
    runtime.rekindle.consent.grant(UUID(willing), Actor.system())
    assert client.post(f"/v1/pools/{pool_id}/members",
                       {"candidate_ids": [willing, silent]}).status_code == 200
    campaign_id = created(client.post("/v1/campaigns", {"name": "Welcome", "subject": "Hi",
                                                        "body": "Welcome to our pool"}))
    sent = client.post(f"/v1/campaigns/{campaign_id}/send", {"pool_id": pool_id})
    assert sent.status_code == 202, sent.get_json()
    view = client.get(f"/v1/campaigns/{campaign_id}?min_position="
                      f"{sent.headers['X-Rekindle-Position']}").get_json()
    assert (view["sent_count"], view["skipped_count"]) == (0, 1)  # no mail has left yet
    assert view["skipped"] == [{"candidate_id": silent, "reason": "consent_none"}]
    mailer = start_in_process(runtime, ["mailer"], scheduler=False)  # to the outbox folder
    try:
        view = wait_until(lambda: (v := client.get(f"/v1/campaigns/{campaign_id}").get_json())
                          ["sent_count"] == 1 and v)
    finally:
        mailer.stop()
    assert view["mails"] == {"queued": 0, "sent": 1, "failed": 0, "cancelled": 0}


def test_put_forward_creates_one_opportunity_per_candidate(client: Api) -> None:
    posting_id = posting(client)
    ann, bob = candidate(client), candidate(client)
    first = client.post(f"/v1/postings/{posting_id}/put-forward", {"candidate_ids": [ann, bob]})
    assert first.status_code == 201, first.get_json()
    assert set(first.get_json()["opportunities"]) == {ann, bob}
    again = client.post(f"/v1/postings/{posting_id}/put-forward", {"candidate_ids": [ann]})
    assert again.get_json()["skipped"] == [{"candidate_id": ann, "reason": "already_on_posting"}]
    profile = client.get(f"/v1/candidates/{ann}?min_position="
                         f"{first.headers['X-Rekindle-Position']}").get_json()
    assert [o["posting_id"] for o in profile["opportunities"]] == [posting_id]


@pytest.fixture
def strict_form_limit(runtime: Runtime) -> Iterator[dict[str, str]]:
    """Two submissions a minute, from an address of its own (the budget is kept in the
    database, so other tests' submissions from the test client's address would count)."""
    before = runtime.settings
    runtime.settings = before.replace(form_rate_limit_per_minute=2)
    yield {"REMOTE_ADDR": "192.0.2.50"}
    runtime.settings = before


def test_the_public_form_is_rate_limited_per_address(anonymous: Api, client: Api,
                                                     strict_form_limit: dict[str, str]) -> None:
    form_id = created(client.post("/v1/forms", {"title": "Quick"}))
    codes = [anonymous.post(f"/v1/forms/{form_id}/submissions",
                            {"name": "P", "email": unique_email("p"), "consent": False},
                            environ_base=strict_form_limit).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    limited = anonymous.post(f"/v1/forms/{form_id}/submissions",
                             {"name": "P", "email": unique_email("p"), "consent": False},
                             environ_base=strict_form_limit)
    assert limited.get_json()["error"] == "rate_limited"


def test_a_limited_team_member_reads_only_their_own_reminders(client: Api,
                                                               runtime: Runtime) -> None:
    limited_id, limited = client.new_user("limited_team_member", "Lim")
    other_id, _ = client.new_user("team_member", "Other")
    sam = candidate(client)
    theirs = created(client.post("/v1/postings", {"title": "Theirs", "state": "published",
                                                  "hiring_team": [limited_id]}))
    created(client.post(f"/v1/candidates/{sam}/opportunities", {"posting_id": theirs}))
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for assignee in (limited_id, other_id):
        created(client.post(f"/v1/candidates/{sam}/reminders",
                            {"due_at": due, "note": "call back", "assignee_id": assignee}))
    assert limited.get(f"/v1/reminders?assignee_id={other_id}").status_code == 403
    mine = limited.get("/v1/reminders").get_json()["items"]
    assert {r["assignee_id"] for r in mine} == {limited_id}


def test_a_form_is_changed_and_new_entrants_get_its_new_source(client: Api,
                                                              anonymous: Api) -> None:
    form = created(client.post("/v1/forms", {"title": "Newsletter"}))
    pool = created(client.post("/v1/pools", {"name": "Subscribers"}))
    early, late = unique_email("early"), unique_email("late")
    assert anonymous.post(f"/v1/forms/{form}/submissions", {
        "name": "Early Bird", "email": early, "consent": False}).status_code == 202

    etag = client.get(f"/v1/forms/{form}").headers["ETag"]
    changed = client.patch(f"/v1/forms/{form}", {"title": "Newsletter 2027", "pool_id": pool},
                           headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["title"], changed.get_json()["pool_id"]) == (
        "Newsletter 2027", pool)
    assert changed.headers["ETag"] != etag
    entered = anonymous.post(f"/v1/forms/{form}/submissions", {
        "name": "Late Comer", "email": late, "consent": False})
    assert entered.status_code == 202

    seen = {"min_position": entered.headers["X-Rekindle-Position"]}
    people = {c["emails"][0]: c for c in client.get(
        "/v1/candidates", query_string=seen).get_json()["items"]}
    assert people[early]["sources"] == ["Talent form: Newsletter"]
    assert people[late]["sources"] == ["Talent form: Newsletter 2027"]
    members = client.get(f"/v1/pools/{pool}/members", query_string=seen).get_json()["items"]
    assert [m["id"] for m in members] == [people[late]["id"]]

    # a stale version, an unknown field, an unknown pool: refused, nothing recorded
    head = client.runtime.rekindle.store.head()
    assert client.patch(f"/v1/forms/{form}", {"title": "x"},
                        headers={"If-Match": etag}).status_code == 412
    assert client.patch(f"/v1/forms/{form}", {"closed": True}).status_code == 422
    assert client.patch(f"/v1/forms/{form}",
                        {"pool_id": "7d3c0a5e-0000-4000-8000-000000000000"}).status_code == 422
    assert client.runtime.rekindle.store.head() == head
