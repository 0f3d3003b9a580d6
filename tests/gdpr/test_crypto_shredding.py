"""After anonymization the person is gone from the database, the messages and the read side,
while the events still load and the projections still rebuild."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import GdprBlocked
from domain.opportunity import Opportunity
from domain.personal import ERASED
from projections.rebuild import rebuild
from tests.gdpr.conftest import messages, pg_dump

NAME = "Zebulon Quixotewright"
EMAIL = "Zebulon.Quixotewright@example.org"
PHONE = "+44 7700 900461"
LOCATION = "Llanfairpwllgwyngyll"
HEADLINE = "Principal Quokka Wrangler"
LINK = "https://zq.example.net/portfolio"
FILE_NAME = "zebulon-quixotewright-cv.pdf"
REFERRAL_NOTES = "Met him at the Quokka summit in Perth"
FILE_BYTES = b"%PDF-1.7 distinctive-resume-bytes-5a9c1e77b0"
PERSONAL_TEXTS = (NAME, EMAIL, EMAIL.lower(), PHONE, LOCATION, HEADLINE, LINK, FILE_NAME,
                  REFERRAL_NOTES, FILE_BYTES.decode())


def leaks(text: str) -> list[str]:
    found = [t for t in PERSONAL_TEXTS if t in text]
    if FILE_BYTES.hex() in text:
        found.append("file bytes (hex)")
    return found


@pytest.fixture
def person(make_runtime):
    """A runtime with projections, a fully filled candidate, and their opportunities."""
    return fill(make_runtime(projections=True))


@pytest.fixture
def bare_person(make_runtime):
    """The same without the read side, for what only concerns the event store."""
    return fill(make_runtime())


def fill(runtime):
    app = runtime.rekindle
    user = app.users.create("Bo Boss", "bo@example.com", "super_admin", Actor.system())
    boss = Actor(user.id, "super_admin")
    candidate_id = app.candidates.create(NAME, [EMAIL], boss, phones=[PHONE], location=LOCATION,
                                        headline=HEADLINE, links=[LINK], tags=["silver"],
                                        sources=["Referral"]).id
    opportunity_id = app.opportunities.add(candidate_id, boss, general=True).id
    app.files.attach(opportunity_id, FILE_NAME, FILE_BYTES, "application/pdf", boss, kind="resume")
    app.opportunities.record_referral(opportunity_id, user.id, boss, relationship="colleague",
                        notes=REFERRAL_NOTES)
    app.consent.request(candidate_id, boss, deadline_days=30)
    position = app.opportunities.add(candidate_id, boss, general=True,
                                   copy_from={"opportunity_id": opportunity_id,
                                              "categories": ["resumes", "sources", "referral"]}
                                   ).position
    assert runtime.projections is None or runtime.projections.wait(position, 10)
    return runtime, boss, candidate_id, opportunity_id


def anonymize(runtime, boss, candidate_id) -> None:
    position = runtime.rekindle.consent.anonymize(candidate_id, "admin", boss).position
    assert runtime.projections is None or runtime.projections.wait(position, 10)


def test_no_integration_message_carries_personal_data(bare_person):
    runtime, _, candidate_id, _ = bare_person

    sent = [m.to_json().decode() for m in messages(runtime)]

    assert any(str(candidate_id) in m for m in sent)
    assert [leaks(m) for m in sent if leaks(m)] == []


def test_after_anonymization_every_event_still_loads_without_the_personal_data(bare_person):
    runtime, boss, candidate_id, opportunity_id = bare_person
    anonymize(runtime, boss, candidate_id)

    loaded = messages(runtime)
    candidate = runtime.rekindle.store.load(Candidate, candidate_id)
    opportunity = runtime.rekindle.store.load(Opportunity, opportunity_id)

    assert [m.type for m in loaded if m.aggregate_id == candidate_id][-1] == "CandidateAnonymized"
    assert candidate.personal.data is None and candidate.profile["emails"] == []
    assert candidate.tags == ["silver"] and candidate.sources == ["Referral"]
    assert [f["name"] for f in opportunity.files.values()] == [ERASED]
    assert opportunity.referral["notes"] == ERASED
    with pytest.raises(GdprBlocked):
        runtime.rekindle.candidates.update_profile(candidate_id, {"name": "Someone"}, boss)


def test_after_anonymization_the_person_is_nowhere_in_the_database_even_after_a_rebuild(
        person):
    runtime, boss, candidate_id, _ = person
    before = pg_dump(runtime)
    assert EMAIL.lower() in before and FILE_BYTES.hex() in before and NAME in before

    anonymize(runtime, boss, candidate_id)

    after = pg_dump(runtime)
    assert str(candidate_id) in after
    assert leaks(after) == []
    runtime.projections.stop()

    rebuilt = rebuild(runtime.database)

    assert rebuilt and all(position > 0 for position in rebuilt.values())
    after = pg_dump(runtime)
    assert str(candidate_id) in after
    assert leaks(after) == []


def test_after_anonymization_the_same_email_can_be_used_for_a_new_candidate(bare_person):
    runtime, boss, candidate_id, _ = bare_person
    anonymize(runtime, boss, candidate_id)

    newcomer = runtime.rekindle.candidates.create("Zed Q", [EMAIL], boss).id

    assert newcomer != candidate_id
    assert runtime.rekindle.candidates.find_by_email(EMAIL) == newcomer


def test_copying_is_refused_while_a_deletion_is_pending(bare_person):
    runtime, boss, candidate_id, opportunity_id = bare_person
    runtime.rekindle.consent.request_deletion(candidate_id, boss)

    with pytest.raises(GdprBlocked):
        runtime.rekindle.opportunities.add(candidate_id, boss, general=True,
                                    copy_from={"opportunity_id": opportunity_id,
                                               "categories": ["tags"]})
    assert runtime.rekindle.opportunities.add(candidate_id, boss, general=True).position is not None


def test_an_erasure_interrupted_by_a_failing_step_can_be_finished(bare_person):
    runtime, boss, candidate_id, _ = bare_person
    failures = [RuntimeError("cache unreachable")]

    def flaky(_candidate_id):
        if failures:
            raise failures.pop()

    runtime.rekindle.consent.add_erasure_step(flaky)
    with pytest.raises(RuntimeError):
        runtime.rekindle.consent.anonymize(candidate_id, "admin", boss)
    assert runtime.rekindle.adapters.keys.key_for(candidate_id) is not None

    assert runtime.rekindle.consent.finish_erasure(candidate_id) is True

    assert runtime.rekindle.adapters.keys.key_for(candidate_id) is None
    assert leaks(pg_dump(runtime)) == []
