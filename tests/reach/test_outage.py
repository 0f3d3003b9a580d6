"""The mail server away for a while: every message waits, queued with its attempts, and goes
out once it is back, once, under one Message-ID per cause; redelivered events send nothing."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from api.bootstrap import Runtime
from consumers.mailer import MailerHandler
from domain.actor import Actor
from domain.settings import Settings
from tests.api.conftest import unique_email
from tests.gdpr.conftest import messages
from tests.reach.conftest import Reach
from tests.smtp_fixture import SmtpServer
from tests.waiting import wait_until


def mails(reach: Reach, **query: Any) -> list[dict[str, Any]]:
    return reach.api.get("/v1/mails", query_string=query).get_json()["items"]


def ask(reach: Reach, count: int) -> list[str]:
    """Consent requested of `count` new candidates; returns their addresses."""
    addresses = []
    for n in range(count):
        addresses.append(unique_email(f"p{n}"))
        made = reach.api.post("/v1/candidates", {"name": f"Person {n}",
                                                 "emails": [addresses[-1]]})
        reach.api.post(f"/v1/candidates/{made.get_json()['id']}/consent/request", {})
    return addresses


def test_messages_wait_out_an_outage_and_each_goes_once_when_the_server_is_back(
        reach: Reach) -> None:
    assert reach.smtp is not None
    reach.smtp.stop()
    addresses = ask(reach, 4)

    waiting = wait_until(lambda: (found := mails(reach)) and len(found) == 4
                         and all(m["attempts"] >= 2 for m in found) and found,
                         what="retried mails")
    assert {m["status"] for m in waiting} == {"queued"}
    assert all("connect" in m["last_error"] and "@" not in m["last_error"] for m in waiting)

    reach.smtp.start()
    delivered = reach.mails(4)
    wait_until(lambda: {m["status"] for m in mails(reach)} == {"sent"}, what="all sent")

    assert sorted(r.rcpt_tos[0] for r in reach.smtp.received) == sorted(addresses)
    message_ids = Counter(m["Message-ID"] for m in delivered)
    assert len(message_ids) == 4 and set(message_ids.values()) == {1}
    assert {m["message_id"] for m in mails(reach)} == set(message_ids)


def test_redelivered_events_send_nothing_twice(reach: Reach) -> None:
    ask(reach, 2)
    reach.mails(2)
    wait_until(lambda: {m["status"] for m in mails(reach)} == {"sent"})
    handler = MailerHandler()
    for message in messages(reach.runtime):  # every event again, as after a lost offset
        if handler.wants(message):
            handler.handle(message, reach.runtime, "mailer-again")
    handler.sender(reach.runtime).run_once()

    assert len(reach.smtp.received) == 2
    assert len(mails(reach)) == 2


def test_a_refusal_for_good_fails_the_mail_at_once(reach: Reach) -> None:
    assert reach.smtp is not None
    email = unique_email("gone")
    reach.smtp.refuse(email)
    made = reach.api.post("/v1/candidates", {"name": "Gone", "emails": [email]}).get_json()
    reach.api.post(f"/v1/candidates/{made['id']}/consent/request", {})

    [mail] = wait_until(lambda: [m for m in mails(reach, status="failed")], what="failed")
    assert mail["attempts"] == 1 and mail["kind"] == "consent_request"
    assert "550" in mail["last_error"] and email not in mail["last_error"]


def test_after_the_last_attempt_the_mail_is_failed(make_reach: Any) -> None:
    reach = make_reach(mail_max_attempts=2, mail_retry_s=0.05)
    assert reach.smtp is not None
    reach.smtp.stop()
    ask(reach, 1)

    [mail] = wait_until(lambda: mails(reach, status="failed"), what="failed")
    assert mail["attempts"] == 2
    reach.smtp.start()
    time.sleep(1.0)  # the sender still runs: a failed mail is not tried again
    assert reach.smtp.received == []


def test_a_slow_round_hands_back_what_it_has_not_tried_while_its_lease_holds(
        settings: Settings, smtp_server: SmtpServer) -> None:
    runtime = Runtime(settings.replace(smtp_url=smtp_server.url(), mail_lease_s=30,
                                       public_url="https://talent.example.com"))
    runtime.start(projections=False, workers=False)
    try:
        system = Actor.system()
        for n in range(3):
            made = runtime.rekindle.candidates.create(f"Slow {n}", [unique_email("slow")],
                                                      system)
            runtime.rekindle.consent.request(made.id, system)
        handler = MailerHandler()
        for _ in ("the causes: MailQueued recorded", "MailQueued: the queue"):
            for message in messages(runtime):
                if handler.wants(message):
                    handler.handle(message, runtime, "mailer")
        slow = handler.sender(runtime)
        ticks = iter([0.0, 0.0, 16.0])  # the first mail took 16 s: past half the lease
        slow.clock = lambda: next(ticks, 16.0)
        assert slow.run_once() == 1
        assert len(smtp_server.wait_for(1)) == 1
        # the two it handed back are due again at once, for any sender
        assert handler.sender(runtime).run_once() == 2
        assert len(smtp_server.wait_for(3)) == 3
    finally:
        runtime.stop()
