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

    def tried() -> list[dict]:  # the projection may still be catching up with the sending
        items = reach.api.get(f"/v1/mails?candidate_id={candidate_id}").get_json()["items"]
        return items if all(m["status"] != "queued" for m in items) else []
    mails = wait_until(tried, what="the mail listed as tried")
    assert [(m["kind"], m["status"], m["attempts"]) for m in mails] == [
        ("consent_request", "sent", 1)]


def test_declining_through_the_link_revokes_and_records_a_deletion_request(reach: Reach) -> None:
    candidate_id, _ = new_candidate(reach)
    reach.api.post(f"/v1/candidates/{candidate_id}/consent/request", {})
    link = reach.link(reach.mails(1)[0])

    answered = reach.public.client.post(link, data={"decision": "decline"})

    assert answered.status_code == 200
    assert "delete" in answered.get_data(as_text=True)
    candidate = reach.runtime.rekindle.store.load(Candidate, candidate_id)
    assert candidate.consent.status == "revoked"
    assert candidate.deletion_requested_at is not None


def test_forged_tampered_foreign_and_expired_links_are_refused_and_record_nothing(
        reach: Reach) -> None:
    from datetime import UTC, datetime, timedelta

    from consumers.mail.links import LinkSigner
    from projections.link_secret import link_secret

    candidate_id, _ = new_candidate(reach)
    reach.api.post(f"/v1/candidates/{candidate_id}/consent/request", {})
    link = reach.link(reach.mails(1)[0])
    token = link.rsplit("/", 1)[1]
    signer = LinkSigner(link_secret(reach.runtime.database.pool))
    claims = signer.verify(token, "consent")
    stranger = LinkSigner("another deployment's secret, 0123456789")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    expired = signer.sign("consent", claims.candidate_id, claims.ref,
                          datetime.now(UTC) - timedelta(seconds=1))
    other_page = signer.sign("unsubscribe", claims.candidate_id, claims.ref,
                             datetime.now(UTC) + timedelta(days=1))
    cases = {"/consent/not-a-token": 404, f"/consent/{tampered}": 404,
             "/consent/" + stranger.sign("consent", claims.candidate_id, claims.ref,
                                         claims.expires_at): 404,
             f"/consent/{other_page}": 404, f"/consent/{expired}": 410}
    before = reach.head()
    for path, status in cases.items():
        for answer in (reach.public.get(path),
                       reach.public.client.post(path, data={"decision": "grant"})):
            assert answer.status_code == status, path
            assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert reach.head() == before
    assert reach.runtime.rekindle.store.load(Candidate, candidate_id).consent.status == \
        "requested"


def test_a_newer_request_retires_the_older_link(reach: Reach) -> None:
    candidate_id, _ = new_candidate(reach)
    reach.api.post(f"/v1/candidates/{candidate_id}/consent/request", {})
    first = reach.link(reach.mails(1)[0])
    reach.api.post(f"/v1/candidates/{candidate_id}/consent/request", {"deadline_days": 20})
    second = reach.link(reach.mails(2)[1])

    assert reach.public.get(first).status_code == 410
    assert reach.public.client.post(second, data={"decision": "grant"}).status_code == 200
