"""Double opt-in on the public talent form, through the mails and links a person gets."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.candidate import Candidate
from tests.api.conftest import unique_email
from tests.reach.conftest import Reach
from tests.waiting import wait_until


def form(reach: Reach, **fields: Any) -> str:
    made = reach.api.post("/v1/forms", {"title": "Stay in touch", **fields})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def profile(reach: Reach, candidate_id: str) -> dict[str, Any]:
    return reach.api.get(f"/v1/candidates/{candidate_id}",
                         query_string={"min_position": reach.head()}).get_json()


def test_an_address_someone_else_types_in_changes_nothing_until_its_owner_confirms(
        reach: Reach) -> None:
    email = unique_email("hedy")
    hedy = reach.api.post("/v1/candidates", {"name": "Hedy Lamarr", "emails": [email],
                                             "phones": ["+1 555 0100"]}).get_json()["id"]
    form_id = form(reach)
    welcome = reach.api.post("/v1/campaigns", {"name": "Welcome", "subject": "Welcome!",
                                               "body": "Glad you joined."}).get_json()["id"]
    rule = reach.api.post("/v1/rules", {
        "name": "Welcome", "trigger": "form_submitted",
        "actions": [{"type": "send_campaign", "campaign_id": welcome}]}).get_json()["id"]

    answers = []
    for _ in range(3):  # as a stranger would, three times over
        answers.append(reach.public.post(f"/v1/forms/{form_id}/submissions", {
            "name": "Hedy L.", "email": email.upper(), "phone": "+1 555 0199",
            "consent": True}))
    assert [a.status_code for a in answers] == [202] * 3
    assert {a.get_data(as_text=True) for a in answers} == {'{"status":"accepted"}\n'}

    confirmations = reach.mails(3)
    assert {m["To"] for m in confirmations} == {email.upper()}
    assert all(reach.text(m).count("Stay in touch") for m in confirmations)
    before = profile(reach, hedy)
    assert before["name"] == "Hedy Lamarr" and before["consent"]["status"] == "none"
    assert before["phones"] == ["+1 555 0100"]

    link = reach.link(confirmations[0])
    shown = reach.public.get(link).get_data(as_text=True)
    assert "Hedy L." in shown and "+1 555 0199" in shown
    assert reach.runtime.settings.consent_text[:30] in shown
    assert reach.public.client.post(link).status_code == 200

    after = profile(reach, hedy)
    assert after["name"] == "Hedy L." and after["consent"]["status"] == "granted"
    assert after["phones"] == ["+1 555 0100", "+1 555 0199"]
    assert "Talent form: Stay in touch" in after["sources"]
    assert reach.public.client.post(link).status_code == 410  # used
    proof = reach.api.get(f"/v1/candidates/{hedy}/consent/proof").get_json()["items"]
    assert [(p["event"], p["channel"], p["form_id"]) for p in proof] == [
        ("ConsentGranted", "form", form_id)]
    assert proof[0]["message_id"] == confirmations[0]["Message-ID"]

    # the rule ran once, for the one confirmed submission; the welcome went out once
    runs = wait_until(lambda: (r := reach.api.get(f"/v1/rules/{rule}").get_json())["runs"]
                      and r)
    assert runs["runs"] == 1
    campaign = wait_until(lambda: (c := reach.api.get(f"/v1/campaigns/{welcome}").get_json())
                          ["sent_count"] == 1 and c)
    assert campaign["sent_count"] == 1
    welcomes = [m for m in reach.mails(4) if m["Subject"] == "Welcome!"]
    assert len(welcomes) == 1

    # the other two confirmations still confirm their own submission; nothing else runs twice
    assert reach.public.client.post(reach.link(confirmations[1])).status_code == 200
    wait_until(lambda: reach.api.get(f"/v1/rules/{rule}").get_json()["runs"] == 2)
    assert reach.api.get(f"/v1/campaigns/{welcome}").get_json()["sent_count"] == 1
    assert [m["Subject"] for m in reach.mails(4)].count("Welcome!") == 1


def test_a_new_address_creates_the_candidate_and_consent_waits_for_the_confirmation(
        reach: Reach) -> None:
    form_id = form(reach, consent_text="Keep my CV for a year, and tell me about jobs.")
    email = unique_email("ada")
    reach.public.post(f"/v1/forms/{form_id}/submissions",
                      {"name": "Ada", "email": email, "consent": True, "interests": ["data"]})
    [mail] = reach.mails(1)
    assert mail["To"] == email and "Keep my CV for a year" in reach.text(mail)
    [ada] = wait_until(lambda: reach.api.get("/v1/candidates", query_string={"q": email})
                       .get_json()["items"])
    assert ada["consent"]["status"] == "requested"

    assert reach.public.client.post(reach.link(mail)).status_code == 200
    candidate = reach.runtime.rekindle.store.load(Candidate, UUID(ada["id"]))
    assert candidate.consent.status == "granted" and candidate.consent.channel == "form"
    proof = reach.api.get(f"/v1/candidates/{ada['id']}/consent/proof").get_json()["items"]
    assert [(p["event"], p["channel"]) for p in proof] == [("ConsentRequested", "form"),
                                                             ("ConsentGranted", "form")]
    assert proof[0]["text_sha256"] == proof[1]["text_sha256"]
    assert proof[0]["message_id"] == proof[1]["message_id"] == mail["Message-ID"]
    assert proof[1]["text"] == "Keep my CV for a year, and tell me about jobs."
    # no separate consent request mail: the confirmation was the request
    assert [m["kind"] for m in reach.api.get("/v1/mails", query_string={
        "candidate_id": ada["id"], "min_position": reach.head()}).get_json()["items"]] == [
        "form_confirmation"]


def test_a_submission_without_consent_for_a_known_address_asks_only_to_confirm_it(
        reach: Reach) -> None:
    email = unique_email("kim")
    kim = reach.api.post("/v1/candidates", {"name": "Kim", "emails": [email]}).get_json()["id"]
    reach.public.post(f"/v1/forms/{form(reach)}/submissions",
                      {"name": "Kim Park", "email": email, "consent": False})
    [mail] = reach.mails(1)
    assert reach.runtime.settings.consent_text[:30] not in reach.text(mail)
    assert reach.public.client.post(reach.link(mail)).status_code == 200
    after = profile(reach, kim)
    assert after["name"] == "Kim Park" and after["consent"]["status"] == "none"
