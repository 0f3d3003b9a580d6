"""A campaign reaches each candidate at most once, with a one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from consumers.mailer import MailerHandler
from domain.actor import Actor
from domain.candidate import Candidate
from tests.api.conftest import unique_email
from tests.gdpr.conftest import messages
from tests.reach.conftest import PUBLIC_URL, Reach
from tests.waiting import wait_until


def willing(reach: Reach, name: str) -> str:
    made = reach.api.post("/v1/candidates", {"name": name, "emails": [unique_email(name)]})
    candidate_id = made.get_json()["id"]
    reach.runtime.rekindle.consent.grant(UUID(candidate_id), Actor.system(), channel="phone")
    return candidate_id


def test_however_often_it_is_sent_a_campaign_reaches_a_candidate_once(reach: Reach) -> None:
    ann, bob = willing(reach, "ann"), willing(reach, "bob")
    pool = reach.api.post("/v1/pools", {"name": "Newsletter"}).get_json()["id"]
    reach.api.post(f"/v1/pools/{pool}/members", {"candidate_ids": [ann, bob]})
    campaign = reach.api.post("/v1/campaigns", {"name": "Spring", "subject": "New roles",
                                                "body": "Hello from us."}).get_json()["id"]
    reach.api.post("/v1/rules", {"name": "Spring for tagged", "trigger": "tag_added",
                                 "actions": [{"type": "send_campaign", "campaign_id": campaign}]})

    first = reach.api.post(f"/v1/campaigns/{campaign}/send", {"pool_id": pool}).get_json()
    again = reach.api.post(f"/v1/campaigns/{campaign}/send", {"candidate_ids": [ann, bob]})
    general = reach.api.post(f"/v1/candidates/{ann}/opportunities", {"general": True})
    reach.api.post(f"/v1/opportunities/{general.get_json()['id']}/tags", {"tags": ["java"]})
    wait_until(lambda: reach.api.get("/v1/rules").get_json()["items"][0]["runs"] == 1)
    assert sorted(first["sent"]) == sorted([ann, bob])
    assert {s["reason"] for s in again.get_json()["skipped"]} == {"already_sent"}

    delivered = reach.mails(2)
    wait_until(lambda: reach.api.get(f"/v1/campaigns/{campaign}").get_json()["sent_count"] == 2)
    handler = MailerHandler()  # and every event delivered again
    for message in messages(reach.runtime):
        if handler.wants(message):
            handler.handle(message, reach.runtime, "mailer-again")
    handler.sender(reach.runtime).run_once()
    assert len(reach.smtp.received) == 2
    for mail in delivered:
        [unsubscribe] = [u for u in mail["List-Unsubscribe"].strip("<>").split(",")]
        assert unsubscribe.startswith(PUBLIC_URL + "/unsubscribe/")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Auto-Submitted" not in mail
    assert reach.api.get(f"/v1/campaigns/{campaign}").get_json()["sent_count"] == 2


def test_one_click_unsubscribes_and_a_second_click_records_nothing(reach: Reach) -> None:
    ann = willing(reach, "ann")
    campaign = reach.api.post("/v1/campaigns", {"name": "N", "subject": "News",
                                                "body": "B"}).get_json()["id"]
    reach.api.post(f"/v1/campaigns/{campaign}/send", {"candidate_ids": [ann]})
    [mail] = reach.mails(1)
    path = urlsplit(mail["List-Unsubscribe"].strip("<>")).path
    assert path in reach.links(mail)  # the same link in the body
    assert reach.public.get(path).status_code == 200

    before = reach.head()
    clicked = reach.public.client.post(path, data="List-Unsubscribe=One-Click",
                                       content_type="application/x-www-form-urlencoded")
    assert clicked.status_code == 200
    candidate = reach.runtime.rekindle.store.load(Candidate, UUID(ann))
    assert candidate.consent.status == "revoked"
    proof = reach.api.get(f"/v1/candidates/{ann}/consent/proof").get_json()["items"]
    assert (proof[-1]["channel"], proof[-1]["message_id"]) == ("unsubscribe", mail["Message-ID"])
    after = reach.head()
    assert after > before
    assert reach.public.client.post(path, data="List-Unsubscribe=One-Click").status_code == 410
    assert reach.head() == after


def test_a_campaign_queued_before_consent_was_withdrawn_is_cancelled(make_reach) -> None:
    reach = make_reach()
    reach.smtp.stop()
    ann = willing(reach, "ann")
    campaign = reach.api.post("/v1/campaigns", {"name": "N", "subject": "News",
                                                "body": "B"}).get_json()["id"]
    reach.api.post(f"/v1/campaigns/{campaign}/send", {"candidate_ids": [ann]})
    wait_until(lambda: [m for m in reach.api.get("/v1/mails").get_json()["items"]
                        if m["attempts"] >= 1])
    reach.api.post(f"/v1/candidates/{ann}/consent/revoke", {})
    reach.smtp.start()

    [mail] = wait_until(lambda: (m := reach.api.get("/v1/mails").get_json()["items"])
                        and m[0]["status"] == "cancelled" and m)
    assert mail["last_error"] == "consent_revoked"
    assert reach.smtp.received == []
