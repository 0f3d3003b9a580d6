"""Consent over time and notifications, driven by the chores with a clock of our choosing:
one reminder of an unanswered request, a renewal request before a grant lapses, the lapse
itself, and a reminder's note mailed to its assignee."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from consumers.scheduler import run_due_chores
from domain.candidate import Candidate
from domain.user import User
from tests.api.conftest import unique_email
from tests.reach.conftest import Reach
from tests.waiting import wait_until


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def indexed(reach: Reach, candidate_id: str, kind: str) -> bool:
    with reach.runtime.database.pool.connection() as conn:
        return conn.execute("SELECT 1 FROM rekindle.gdpr_deadlines WHERE candidate_id = %s "
                            "AND kind = %s", (candidate_id, kind)).fetchone() is not None


def asked(reach: Reach) -> str:
    made = reach.api.post("/v1/candidates", {"name": "Ines", "emails": [unique_email("ines")]})
    candidate_id = made.get_json()["id"]
    reach.api.post(f"/v1/candidates/{candidate_id}/consent/request", {})
    return candidate_id


def test_an_unanswered_request_gets_one_reminder_which_answers_it(reach: Reach) -> None:
    candidate_id = asked(reach)
    request = reach.mails(1)[0]
    wait_until(lambda: indexed(reach, candidate_id, "reminder"))
    assert run_due_chores(reach.runtime, later(6)) == 0

    run_due_chores(reach.runtime, later(8))
    reminder = reach.mails(2)[1]
    assert reminder["Subject"].startswith("Reminder")
    assert reminder["Message-ID"] != request["Message-ID"]
    run_due_chores(reach.runtime, later(9))
    run_due_chores(reach.runtime, later(10))

    assert reach.public.client.post(reach.link(reminder), data={"decision": "grant"}) \
        .status_code == 200
    proof = reach.api.get(f"/v1/candidates/{candidate_id}/consent/proof").get_json()["items"]
    assert proof[-1]["message_id"] == reminder["Message-ID"]
    assert reach.public.client.post(reach.link(request), data={"decision": "grant"}) \
        .status_code == 410  # the same request, answered
    assert len(reach.smtp.received) == 2


def test_a_grant_is_renewed_through_the_renewal_mail_or_lapses(reach: Reach) -> None:
    renewed, lapsed = (reach.api.post("/v1/candidates", {
        "name": "Ines", "emails": [unique_email("ines")]}).get_json()["id"] for _ in range(2))
    for candidate_id in (renewed, lapsed):
        reach.api.post(f"/v1/candidates/{candidate_id}/consent/grant", {"channel": "phone"})
    wait_until(lambda: indexed(reach, renewed, "renewal") and indexed(reach, lapsed, "lapse"))
    assert run_due_chores(reach.runtime, later(334)) == 0

    store = reach.runtime.rekindle.store
    ends = [store.load(Candidate, UUID(c)).consent.valid_until for c in (renewed, lapsed)]
    run_due_chores(reach.runtime, later(336))
    renewals = reach.mails(2)
    assert all("renew" in m["Subject"] for m in renewals)
    mine = next(m for m in renewals if m["To"] == reach.runtime.rekindle.store.load(
        Candidate, UUID(renewed)).emails[0])
    assert reach.public.client.post(reach.link(mine), data={"decision": "grant"}) \
        .status_code == 200
    renewal = store.load(Candidate, UUID(renewed)).consent
    assert renewal.channel == "email_link" and renewal.valid_until > max(ends)
    wait_until(lambda: indexed(reach, renewed, "lapse"))

    # once both first grants have run out, and before the renewal does
    run_due_chores(reach.runtime, max(ends) + timedelta(milliseconds=1))

    assert store.load(Candidate, UUID(lapsed)).is_anonymized
    kept = store.load(Candidate, UUID(renewed))
    assert kept.consent.status == "granted" and not kept.is_anonymized
    proof = reach.api.get(f"/v1/candidates/{lapsed}/consent/proof").get_json()["items"]
    assert [p["event"] for p in proof][-1] == "ConsentExpired"


def test_a_due_reminder_mails_its_note_to_the_assignee(reach: Reach) -> None:
    assignee, _ = reach.api.new_user("team_member", "Rita Recruiter")
    rita = reach.runtime.rekindle.store.load(User, UUID(assignee)).email
    made = reach.api.post("/v1/candidates", {"name": "Sam", "emails": [unique_email("sam")]})
    due = datetime.now(UTC) + timedelta(days=180)
    reach.api.post(f"/v1/candidates/{made.get_json()['id']}/reminders", {
        "due_at": due.isoformat(), "note": "Sam said: ask again in spring",
        "assignee_id": assignee})

    run_due_chores(reach.runtime, due + timedelta(seconds=1))

    [mail] = reach.mails(1)
    assert mail["To"] == rita and mail["Auto-Submitted"] == "auto-generated"
    assert "Sam said: ask again in spring" in reach.text(mail)
    assert "X-Rekindle-Candidate" not in mail


def test_a_notify_rule_mails_its_message_to_the_recipient(reach: Reach) -> None:
    recipient, _ = reach.api.new_user("team_member", "Rita Recruiter")
    rita = reach.runtime.rekindle.store.load(User, UUID(recipient)).email
    reach.api.post("/v1/rules", {"name": "Tell Rita", "trigger": "candidate_created",
                                 "actions": [{"type": "notify", "to": recipient,
                                              "message": "A new lead came in"}]})
    reach.api.post("/v1/candidates", {"name": "Lee", "emails": [unique_email("lee")]})

    [mail] = reach.mails(1)
    assert mail["To"] == rita and "A new lead came in" in reach.text(mail)
    assert "A new lead came in" in mail["Subject"]
