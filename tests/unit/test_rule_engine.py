"""The rule engine (domain/rule_engine.py): triggers, filters over lists, actions, and the
limits that keep rules from feeding on themselves."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.actor import Actor
from domain.candidate import Candidate
from domain.rule import condition_holds
from domain.rule_engine import MAX_DEPTH, CauseEvent
from domain.rule_run import RuleRun
from domain.service import Rekindle


def cause(candidate_id: UUID, by: Actor, nth: int = 1) -> CauseEvent:
    """The `nth` event about the candidate that triggers rules."""
    return CauseEvent(event_id=UUID(int=candidate_id.int ^ nth), actor=by,
                      candidate_id=candidate_id)


def runs(app: Rekindle) -> list[RuleRun.RuleRan]:
    return [e for _, e in app.store.scan(["domain.rule_run:RuleRun.RuleRan"])]


def test_a_condition_on_a_list_holds_when_one_item_does() -> None:
    assert condition_holds({"op": "equals", "value": "b"}, ["a", "b"])
    assert condition_holds({"op": "contains", "value": "FAIR"}, ["Career fair"])
    assert condition_holds({"op": "in", "value": ["x", "b"]}, ["a", "b"])
    assert not condition_holds({"op": "equals", "value": "B"}, ["a", "b"])
    assert not condition_holds({"op": "equals", "value": "b"}, [None])


def test_a_matching_rule_acts_and_records_its_run(app: Rekindle, admin: Actor) -> None:
    pool = app.pools.create("Fair", admin).id
    rule = app.rules.create("Fair leads", "candidate_created", admin,
                            filter=[{"field": "source", "op": "contains", "value": "fair"}],
                            actions=[{"type": "add_to_pool", "pool_id": str(pool)},
                                     {"type": "add_tag", "tag": "lead"}]).id
    fair = app.candidates.create("Fay", ["fay@example.com"], admin, sources=["Career Fair"]).id
    other = app.candidates.create("Oz", ["oz@example.com"], admin, sources=["Referral"]).id
    for candidate_id in (fair, other):
        app.automation.run([("candidate_created", cause(candidate_id, admin))],
                           Tracking("automation", app.store.head()))
    loaded = app.store.load(Candidate, fair)
    assert loaded.pool_ids == [pool] and "lead" in loaded.tags
    assert app.store.load(Candidate, other).pool_ids == []
    [ran] = runs(app)
    assert (ran.rule_id, ran.candidate_id, len(ran.effects)) == (rule, fair, 2)


def test_a_rule_ignores_its_own_effects_and_chains_stop(app: Rekindle, admin: Actor) -> None:
    rule = app.rules.create("Tag", "tag_added", admin,
                            actions=[{"type": "add_tag", "tag": "again"}]).id
    candidate = app.candidates.create("Ty", ["ty@example.com"], admin).id
    own = Actor.system().caused(rule, UUID(int=7))
    app.automation.run([("tag_added", cause(candidate, own))], Tracking("automation", 1))
    deep = Actor(admin.user_id, "system", UUID(int=9), UUID(int=8), MAX_DEPTH)
    app.automation.run([("tag_added", cause(candidate, deep))], Tracking("automation", 2))
    assert runs(app) == [] and app.store.load(Candidate, candidate).tags == []


def test_a_campaign_action_goes_only_to_consenting_candidates(app: Rekindle,
                                                              admin: Actor) -> None:
    campaign = app.campaigns.create("Welcome", "Hi", "Hello", admin).id
    app.rules.create("Welcome", "candidate_created", admin,
                     actions=[{"type": "send_campaign", "campaign_id": str(campaign)}])
    silent = app.candidates.create("Si", ["si@example.com"], admin).id
    willing = app.candidates.create("Wi", ["wi@example.com"], admin).id
    app.consent.grant(willing, admin)
    for candidate_id, nth in ((silent, 1), (willing, 1), (willing, 2)):
        app.automation.run([("candidate_created", cause(candidate_id, admin, nth))],
                           Tracking("automation", app.store.head()))
    assert app.store.load(Candidate, willing).campaigns_sent == [campaign]
    assert app.store.load(Candidate, silent).campaigns_sent == []
    skipped = [s for r in runs(app) for s in r.skipped]
    assert {s["reason"] for s in skipped} == {"consent_none", "already_sent"}


def test_a_redelivered_cause_runs_no_rule_twice(app: Rekindle, admin: Actor) -> None:
    import pytest
    from eventsourcing.persistence import IntegrityError

    app.rules.create("Tag", "candidate_created", admin,
                     actions=[{"type": "add_tag", "tag": "seen"}])
    candidate = app.candidates.create("Re", ["re@example.com"], admin).id
    app.automation.run([("candidate_created", cause(candidate, admin))],
                       Tracking("automation", 1))
    with pytest.raises(IntegrityError):  # the run's id is its rule and cause: already there
        app.automation.run([("candidate_created", cause(candidate, admin))],
                           Tracking("automation", 2))
    assert len(runs(app)) == 1
