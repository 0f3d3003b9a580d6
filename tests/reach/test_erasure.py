"""Erasure reaches the mailer: the outbox copies go, queued mails are cancelled and never sent,
and afterwards the person is in no table, no integration message, no API answer and no log
line, however many mails they were sent."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from consumers.scheduler import run_due_chores
from domain.actor import Actor
from tests.api.conftest import unique_email
from tests.gdpr.conftest import messages, pg_dump
from tests.reach.conftest import LINK, Reach
from tests.waiting import wait_until

NAME = "Ottoline Vandersnoot"
EMAIL = "ottoline.vandersnoot@example.org"
PHONE = "+31 6 8765 4329"
INTEREST = "competitive origami for quokkas"
NOTE = "Call Ottoline back about the Lisbon role"
SECRETS = (NAME, EMAIL, PHONE, INTEREST, NOTE, "Ottoline", "Vandersnoot")


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s.lower() in text.lower()]


def outbox(reach: Reach) -> Path:
    return Path(reach.runtime.settings.data_dir) / "outbox"


def files(reach: Reach) -> list[Path]:
    return sorted(outbox(reach).glob("*.eml")) if outbox(reach).is_dir() else []


def link_in(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [url] = LINK.findall(body)
    return "/" + url.split("/", 3)[3]


def answers(reach: Reach, candidate_id: str, campaign: str, form: str) -> str:
    """Every API answer about the candidate and what they were sent, as one text."""
    paths = [(f"/v1/candidates/{candidate_id}", {}),
             (f"/v1/candidates/{candidate_id}/history", {}),
             (f"/v1/candidates/{candidate_id}/consent/proof", {}), ("/v1/mails", {}),
             ("/v1/mails", {"candidate_id": candidate_id}), (f"/v1/campaigns/{campaign}", {}),
             (f"/v1/forms/{form}", {}), ("/v1/notifications", {}), ("/v1/reminders", {}),
             ("/v1/candidates", {}), ("/v1/audit/erasures", {})]
    texts = []
    for path, query in paths:
        answer = reach.api.get(path, query_string=query)
        assert answer.status_code == 200, path
        texts.append(answer.get_data(as_text=True))
    return "\n".join(texts)


def test_erasure_removes_the_outbox_copies_and_the_person_is_nowhere_after(
        make_reach: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    reach = make_reach(smtp=None)  # the embedded default: every mail an .eml file
    recruiter, _ = reach.api.new_user("team_member", "Rita Recruiter")
    form = reach.api.post("/v1/forms", {"title": "Join us"}).get_json()["id"]
    reach.public.post(f"/v1/forms/{form}/submissions", {
        "name": NAME, "email": EMAIL, "phone": PHONE, "interests": [INTEREST], "consent": True})
    [confirmation] = wait_until(lambda: files(reach), what="the confirmation in the outbox")
    assert EMAIL in confirmation.read_text() and NAME in confirmation.read_text()
    assert reach.public.client.post(link_in(confirmation)).status_code == 200

    [candidate] = wait_until(lambda: reach.api.get("/v1/candidates", query_string={
        "q": EMAIL}).get_json()["items"])
    candidate_id = candidate["id"]
    campaign = reach.api.post("/v1/campaigns", {"name": "W", "subject": "Welcome",
                                                "body": "Hello."}).get_json()["id"]
    reach.api.post(f"/v1/campaigns/{campaign}/send", {"candidate_ids": [candidate_id]})
    due = datetime.now(UTC) + timedelta(days=30)
    reach.api.post(f"/v1/candidates/{candidate_id}/reminders",
                   {"due_at": due.isoformat(), "note": NOTE, "assignee_id": recruiter})
    run_due_chores(reach.runtime, due + timedelta(seconds=1))
    other = reach.api.post("/v1/candidates", {"name": "Someone Else",
                                              "emails": [unique_email("else")]}).get_json()["id"]
    reach.api.post(f"/v1/candidates/{other}/consent/request", {})
    mine = wait_until(lambda: (f := [p for p in files(reach)
                                     if p.name.startswith(candidate_id)]) and len(f) == 3 and f,
                      what="three mails about the candidate")
    assert any(NOTE in p.read_text() for p in mine)  # the recruiter's, filed under them
    wait_until(lambda: len(files(reach)) == 4)
    assert EMAIL in pg_dump(reach.runtime)

    erased = reach.api.post(f"/v1/candidates/{candidate_id}/anonymize", {"reason": "request"})
    assert erased.status_code == 200
    assert reach.runtime.projections.wait(int(erased.headers["X-Rekindle-Position"]), 10)

    left = files(reach)
    assert [p.name.split(".")[0] for p in left] == [other]
    assert not list(outbox(reach).glob(f".{candidate_id}*"))
    assert leaks(pg_dump(reach.runtime)) == []
    assert leaks(answers(reach, candidate_id, campaign, form)) == []
    assert [m.type for m in messages(reach.runtime) if leaks(m.to_json().decode())] == []
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert leaks(logged) == []
    kinds = {m["kind"]: m["status"] for m in reach.api.get(
        f"/v1/mails?candidate_id={candidate_id}").get_json()["items"]}
    assert kinds == {"form_confirmation": "sent", "campaign": "sent", "notification": "sent"}


def test_a_mail_still_queued_at_erasure_is_cancelled_and_never_sent(reach: Reach) -> None:
    assert reach.smtp is not None
    reach.smtp.stop()
    made = reach.api.post("/v1/candidates", {"name": NAME, "emails": [EMAIL]}).get_json()
    reach.api.post(f"/v1/candidates/{made['id']}/consent/request", {})
    wait_until(lambda: [m for m in reach.api.get("/v1/mails").get_json()["items"]
                        if m["attempts"] >= 1], what="a failed attempt")

    reach.runtime.rekindle.consent.anonymize(UUID(made["id"]), "request", Actor.system())
    reach.smtp.start()

    [mail] = wait_until(lambda: [m for m in reach.api.get("/v1/mails", query_string={
        "min_position": reach.head()}).get_json()["items"] if m["status"] == "cancelled"])
    assert mail["last_error"] == "anonymized"

    def queued() -> int:
        with reach.runtime.database.pool.connection() as conn:
            return conn.execute("SELECT count(*) FROM rekindle.mail_queue").fetchone()[0]

    wait_until(lambda: queued() == 0, what="an empty queue")
    assert reach.smtp.received == []
    assert re.search(re.escape(EMAIL), pg_dump(reach.runtime)) is None
