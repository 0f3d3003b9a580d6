"""Follow-up forms through personal links, and what a limited team member sees of mails."""

from __future__ import annotations

from uuid import UUID

from domain.actor import Actor
from tests.api.conftest import posting, unique_email
from tests.reach.conftest import Reach
from tests.waiting import wait_until


def person(reach: Reach, name: str, *, consent: bool) -> str:
    made = reach.api.post("/v1/candidates", {"name": name, "emails": [unique_email(name)]})
    candidate_id = made.get_json()["id"]
    if consent:
        reach.runtime.rekindle.consent.grant(UUID(candidate_id), Actor.system())
    return candidate_id


def test_an_invited_candidate_updates_their_own_profile_once(reach: Reach) -> None:
    form = reach.api.post("/v1/forms", {"title": "Your news"}).get_json()["id"]
    zoe, max_ = person(reach, "zoe", consent=True), person(reach, "max", consent=False)

    sent = reach.api.post(f"/v1/forms/{form}/invitations", {"candidate_ids": [zoe, max_]})
    assert sent.status_code == 202, sent.get_json()
    assert sent.get_json()["invited"] == [zoe]
    assert sent.get_json()["skipped"] == [{"candidate_id": max_, "reason": "consent_none"}]

    [mail] = reach.mails(1)
    link = reach.link(mail)
    assert link.startswith("/follow-up/") and "Your news" in mail["Subject"]
    page = reach.public.get(link).get_data(as_text=True)
    assert 'value="zoe"' in page
    new_email = unique_email("zoe.new")
    updated = reach.public.client.post(link, data={
        "name": "Zoë Quinn", "email": new_email, "phone": "+44 20 7946 0000",
        "interests": "data, remote"})
    assert updated.status_code == 200, updated.get_data(as_text=True)

    profile = reach.api.get(f"/v1/candidates/{zoe}",
                            query_string={"min_position": reach.head()}).get_json()
    assert profile["name"] == "Zoë Quinn" and new_email in profile["emails"]
    assert "+44 20 7946 0000" in profile["phones"]
    before = reach.head()
    assert reach.public.client.post(link, data={"name": "x", "email": new_email}) \
        .status_code == 410
    assert reach.public.get(link).status_code == 410
    assert reach.head() == before


def test_a_follow_up_posted_as_json_is_checked_like_the_form(reach: Reach) -> None:
    form = reach.api.post("/v1/forms", {"title": "Your news"}).get_json()["id"]
    zoe = person(reach, "zoe", consent=True)
    reach.api.post(f"/v1/forms/{form}/invitations", {"candidate_ids": [zoe]})
    link = reach.link(reach.mails(1)[0])

    bad = reach.public.post(link, {"name": "Zoë", "email": "not an address"})
    assert bad.status_code == 422 and bad.get_json()["details"]["email"]
    shown = reach.public.client.post(link, data={"name": "Zoë", "email": "nope"})
    assert shown.status_code == 422 and 'aria-invalid="true"' in shown.get_data(as_text=True)
    good = reach.public.post(link, {"name": "Zoë", "email": unique_email("zoe")})
    assert good.status_code == 200 and good.get_json() == {"status": "updated"}


def test_a_limited_member_sees_only_mails_and_proof_of_their_candidates(reach: Reach) -> None:
    member_id, member = reach.api.new_user("limited_team_member")
    theirs, others = person(reach, "in", consent=True), person(reach, "out", consent=True)
    job = posting(reach.api, hiring_team=[member_id])
    reach.api.post(f"/v1/candidates/{theirs}/opportunities", {"posting_id": job})
    form = reach.api.post("/v1/forms", {"title": "News"}).get_json()["id"]
    reach.api.post(f"/v1/forms/{form}/invitations", {"candidate_ids": [theirs, others]})
    reach.mails(2)

    seen = wait_until(lambda: member.get("/v1/mails", query_string={
        "min_position": reach.head()}).get_json()["items"])
    assert [m["candidate_id"] for m in seen] == [theirs]
    assert member.get(f"/v1/mails?candidate_id={others}").get_json()["items"] == []
    assert member.get(f"/v1/candidates/{theirs}/consent/proof").status_code == 200
    assert member.get(f"/v1/candidates/{others}/consent/proof").status_code == 404
    refused = member.post(f"/v1/forms/{form}/invitations", {"candidate_ids": [others]})
    assert refused.status_code == 422
    _, auditor = reach.api.new_user("auditor")
    assert len(auditor.get("/v1/mails").get_json()["items"]) == 2
    assert auditor.post(f"/v1/forms/{form}/invitations",
                        {"candidate_ids": [theirs]}).status_code == 403
    for mail in auditor.get("/v1/mails").get_json()["items"]:
        assert "@example.com" not in str({k: v for k, v in mail.items() if k != "message_id"})
