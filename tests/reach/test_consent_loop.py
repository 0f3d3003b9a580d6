"""The consent loop end to end: a request mailed through a real SMTP server, answered
through the personal link in it, with its proof."""

from __future__ import annotations

import hashlib

from domain.candidate import Candidate
from tests.api.conftest import unique_email
from tests.reach.conftest import Reach
from tests.waiting import wait_until


def new_candidate(reach: Reach, name: str = "Hedy Lamarr") -> tuple[str, str]:
    email = unique_email("hedy")
    made = reach.api.post("/v1/candidates", {"name": name, "emails": [email]})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"], email


def test_a_consent_request_is_mailed_and_granted_through_its_link(reach: Reach) -> None:
    candidate_id, email = new_candidate(reach)
    asked = reach.api.post(f"/v1/candidates/{candidate_id}/consent/request", {})
    assert asked.status_code == 200

    [mail] = reach.mails(1)
    assert mail["To"] == email
    assert "Hello Hedy Lamarr," in reach.text(mail)
    link = reach.link(mail)
    assert link.startswith("/consent/")

    before = reach.head()
    shown = reach.public.get(link)
    assert shown.status_code == 200 and "text/html" in shown.content_type
    assert reach.runtime.settings.consent_text[:40] in shown.get_data(as_text=True)
    assert reach.head() == before  # looking records nothing

    answered = reach.public.client.post(link, data={"decision": "grant"})
    assert answered.status_code == 200, answered.get_data(as_text=True)
    candidate = reach.runtime.rekindle.store.load(Candidate, candidate_id)
    assert candidate.consent.status == "granted" and candidate.consent.channel == "email_link"

    proof = reach.api.get(f"/v1/candidates/{candidate_id}/consent/proof").get_json()["items"]
    digest = hashlib.sha256(reach.runtime.settings.consent_text.encode()).hexdigest()
    assert [(p["event"], p["channel"], p["text_sha256"]) for p in proof] == [
        ("ConsentRequested", "recruiter", digest), ("ConsentGranted", "email_link", digest)]
    assert proof[0]["message_id"] == proof[1]["message_id"] == mail["Message-ID"]
    assert proof[1]["text"] == reach.runtime.settings.consent_text

    after = reach.head()
    again = reach.public.client.post(link, data={"decision": "decline"})
    assert again.status_code == 410
    assert reach.head() == after
    mails = wait_until(lambda: reach.api.get(f"/v1/mails?candidate_id={candidate_id}")
                       .get_json()["items"])
    assert [(m["kind"], m["status"], m["attempts"]) for m in mails] == [
        ("consent_request", "sent", 1)]
