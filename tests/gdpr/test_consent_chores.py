"""Consent deadlines and deletion requests, driven by the chores with a clock of our choosing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consumers.gdpr import expire_consents, process_deletions
from domain.actor import Actor
from domain.candidate import Candidate
from tests.gdpr.conftest import feed_gdpr_handler, messages
from tests.waiting import wait_until


def later(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def anonymization_reasons(runtime, candidate_id) -> list[str]:
    return [m.data["reason"] for m in messages(runtime)
            if m.aggregate_id == candidate_id and m.type == "CandidateAnonymized"]


def new_candidate(runtime, boss, email="kim@example.com"):
    return runtime.rekindle.candidates.create("Kim Lee", [email], boss).id


def test_a_consent_deadline_passing_ends_in_an_anonymized_profile(runtime, boss):
    candidate_id = new_candidate(runtime, boss)
    runtime.rekindle.consent.request(candidate_id, boss, deadline_days=10)
    feed_gdpr_handler(runtime)

    assert expire_consents(runtime, later(9)) == 0
    assert expire_consents(runtime, later(11)) == 2

    candidate = runtime.rekindle.store.load(Candidate, candidate_id)
    assert candidate.consent.status == "expired"
    assert candidate.is_anonymized and candidate.profile["name"] is None
    assert anonymization_reasons(runtime, candidate_id) == ["expiry"]
    feed_gdpr_handler(runtime)
    assert expire_consents(runtime, later(30)) == 0


def test_consent_granted_before_the_deadline_keeps_the_profile(runtime, boss):
    candidate_id = new_candidate(runtime, boss)
    runtime.rekindle.consent.request(candidate_id, boss, deadline_days=10)
    feed_gdpr_handler(runtime)
    runtime.rekindle.consent.grant(candidate_id, boss, channel="email")

    assert expire_consents(runtime, later(11)) == 0
    feed_gdpr_handler(runtime)
    assert expire_consents(runtime, later(11)) == 0
    candidate = runtime.rekindle.store.load(Candidate, candidate_id)
    assert candidate.consent.status == "granted"
    assert candidate.profile["name"] == "Kim Lee"


def test_expire_consent_does_nothing_once_consent_was_granted(runtime, boss):
    candidate_id = new_candidate(runtime, boss)
    runtime.rekindle.consent.request(candidate_id, boss, deadline_days=1)
    runtime.rekindle.consent.grant(candidate_id, boss)

    result = runtime.rekindle.consent.expire(candidate_id, boss, at=later(2))

    assert result.extra["expired"] is False and result.position is None
    assert runtime.rekindle.store.load(Candidate, candidate_id).consent.status == "granted"


def test_the_grace_period_lets_a_late_consent_save_the_profile(make_runtime):
    runtime = make_runtime(anonymize_grace_days=5)
    user = runtime.rekindle.users.create("Bo", "bo@example.com", "super_admin", Actor.system())
    actor = Actor(user.id, "super_admin")
    kept = new_candidate(runtime, actor, "kept@example.com")
    lost = new_candidate(runtime, actor, "lost@example.com")
    for candidate_id in (kept, lost):
        runtime.rekindle.consent.request(candidate_id, actor, deadline_days=10)
    feed_gdpr_handler(runtime)

    assert expire_consents(runtime, later(11)) == 2
    assert runtime.rekindle.store.load(Candidate, lost).consent.status == "expired"
    assert not runtime.rekindle.store.load(Candidate, lost).is_anonymized
    runtime.rekindle.consent.grant(kept, actor)
    feed_gdpr_handler(runtime)

    assert expire_consents(runtime, later(16)) == 1
    assert runtime.rekindle.store.load(Candidate, lost).is_anonymized
    assert not runtime.rekindle.store.load(Candidate, kept).is_anonymized


def test_a_deletion_request_is_carried_out_after_the_configured_delay(make_runtime):
    runtime = make_runtime(deletion_delay_days=7)
    user = runtime.rekindle.users.create("Bo", "bo@example.com", "super_admin", Actor.system())
    actor = Actor(user.id, "super_admin")
    candidate_id = new_candidate(runtime, actor)
    runtime.rekindle.consent.request_deletion(candidate_id, actor)
    feed_gdpr_handler(runtime)

    assert process_deletions(runtime, later(6)) == 0
    assert not runtime.rekindle.store.load(Candidate, candidate_id).is_anonymized
    assert process_deletions(runtime, later(8)) == 1

    assert runtime.rekindle.store.load(Candidate, candidate_id).is_anonymized
    assert anonymization_reasons(runtime, candidate_id) == ["request"]


def test_a_deletion_request_with_no_delay_is_due_at_once(runtime, boss):
    candidate_id = new_candidate(runtime, boss)
    runtime.rekindle.consent.request_deletion(candidate_id, boss)
    feed_gdpr_handler(runtime)

    assert process_deletions(runtime, later(0.001)) == 1
    assert anonymization_reasons(runtime, candidate_id) == ["request"]
    feed_gdpr_handler(runtime)
    assert process_deletions(runtime, later(1)) == 0


def test_the_chores_never_anonymize_twice_after_an_admin_did(runtime, boss):
    candidate_id = new_candidate(runtime, boss)
    runtime.rekindle.consent.request_deletion(candidate_id, boss)
    feed_gdpr_handler(runtime)
    runtime.rekindle.consent.anonymize(candidate_id, "admin", boss)

    assert process_deletions(runtime, later(1)) == 0
    assert anonymization_reasons(runtime, candidate_id) == ["admin"]


def test_the_scheduler_runs_the_gdpr_chores(runtime, boss):
    from consumers.scheduler import run_due_chores

    expiring = new_candidate(runtime, boss, "expiring@example.com")
    leaving = new_candidate(runtime, boss, "leaving@example.com")
    runtime.rekindle.consent.request(expiring, boss, deadline_days=30)
    runtime.rekindle.consent.request_deletion(leaving, boss)
    feed_gdpr_handler(runtime)

    run_due_chores(runtime, later(31))

    assert anonymization_reasons(runtime, expiring) == ["expiry"]
    assert anonymization_reasons(runtime, leaving) == ["request"]


def deadline_rows(runtime) -> set[tuple]:
    with runtime.database.pool.connection() as conn:
        return set(conn.execute("SELECT candidate_id, kind FROM rekindle.gdpr_deadlines"))


def test_the_in_process_worker_keeps_the_deadline_index(runtime, boss):
    from consumers.workers import start_in_process

    workers = start_in_process(runtime, ["gdpr"], scheduler=False)
    try:
        asked = new_candidate(runtime, boss, "asked@example.com")
        leaving = new_candidate(runtime, boss, "leaving@example.com")
        runtime.rekindle.consent.request(asked, boss, deadline_days=5)
        runtime.rekindle.consent.request_deletion(leaving, boss)
        wait_until(lambda: deadline_rows(runtime) == {(asked, "consent"),
                                                             (leaving, "deletion")})

        assert expire_consents(runtime, later(6)) + process_deletions(runtime, later(6)) == 3

        wait_until(lambda: deadline_rows(runtime) == set())
        assert anonymization_reasons(runtime, asked) == ["expiry"]
        assert anonymization_reasons(runtime, leaving) == ["request"]
    finally:
        workers.stop()
