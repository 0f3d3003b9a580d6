"""The rule engine: a talent form's welcome rule, loops, redelivery, disabled rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Runtime
from consumers.automation import AutomationHandler
from consumers.messages import Message
from domain.actor import Actor
from domain.candidate import Candidate
from domain.notification import Notification
from domain.opportunity import Opportunity
from domain.rule_run import RuleRun
from domain.settings import Settings


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings).start(projections=False, workers=False)
    yield rt
    rt.stop()


@pytest.fixture
def boss(runtime: Runtime) -> Actor:
    user = runtime.rekindle.users.create("Ada Admin", "ada@example.com", "super_admin",
                                         Actor.system())
    return Actor(user.id, "super_admin")


def messages_after(runtime: Runtime, position: int) -> list[Message]:
    app = runtime.rekindle
    found = app.store.recorder.select_notifications(start=position, limit=1000,
                                              inclusive_of_start=False)
    return [Message.from_event(app.store.mapper.to_domain_event(n), n.id) for n in found]


def drain(runtime: Runtime, handler: AutomationHandler | None = None, start: int = 0) -> int:
    """Feeds every new event to the engine, as a worker would, until nothing new appears."""
    handler = handler or AutomationHandler()
    position = start
    for _ in range(50):
        batch = messages_after(runtime, position)
        if not batch:
            return position
        for message in batch:
            if handler.wants(message):
                handler.handle(message, runtime, "automation")
            position = message.position
    raise AssertionError("the engine never went quiet")


def notifications(runtime: Runtime) -> list[Notification]:
    return [e for e in all_events(runtime) if type(e).__name__ == "NotificationRecorded"]


def all_events(runtime: Runtime) -> list[Any]:
    app = runtime.rekindle
    return [app.store.mapper.to_domain_event(n)
            for n in app.store.recorder.select_notifications(start=1, limit=10_000)]


def runs_of(runtime: Runtime, rule_id: UUID) -> list[Any]:
    """The rule's recorded runs (RuleRun events), in order."""
    return [e for e in all_events(runtime)
            if isinstance(e, RuleRun.RuleRan) and e.rule_id == rule_id]


def talent_form_setup(runtime: Runtime, boss: Actor, *, enabled: bool = True
                      ) -> tuple[UUID, UUID, UUID, UUID]:
    app = runtime.rekindle
    recruiter = app.users.create("Rita Recruiter", "rita@example.com", "team_member", boss).id
    pool = app.pools.create("SuccessFactors_2ndBestCandidates", boss).id
    form = app.forms.create("Stay in touch", boss).id
    rule = app.rules.create(
        "Form leads to pool", "candidate_created", boss, enabled=enabled,
        filter=[{"field": "source", "op": "equals", "value": "Talent form: Stay in touch"}],
        actions=[{"type": "add_to_pool", "pool_id": str(pool)},
                 {"type": "add_tag", "tag": "talent-pool"},
                 {"type": "notify", "to": str(recruiter), "message": "New talent-pool lead"}],
    ).id
    return recruiter, pool, form, rule


def test_talent_form_submissions_land_in_the_pool_tagged_and_notify_the_recruiter(
        runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    recruiter, pool, form, rule = talent_form_setup(runtime, boss)
    submitted = app.forms.submit(form, "Sam Silver", "sam@example.com", consent=True)
    other = app.candidates.create("Manual Mia", ["mia@example.com"], boss)

    drain(runtime)

    candidate = app.store.load(Candidate, submitted.id)
    assert candidate.sources == ["Talent form: Stay in touch"]
    assert candidate.consent.status == "requested" and candidate.consent.channel == "form"
    app.forms.confirm(submitted.extra["submission_id"], submitted.id)  # double opt-in
    assert app.store.load(Candidate, submitted.id).consent.status == "granted"
    assert candidate.pool_ids == [pool]
    assert "talent-pool" in candidate.tags
    sent = notifications(runtime)
    assert [(n.recipient_id, n.candidate_id, n.message) for n in sent] == [
        (recruiter, candidate.id, "New talent-pool lead")]
    assert app.store.load(Candidate, other.id).pool_ids == []
    assert len(runs_of(runtime, rule)) == 1
    tagged = [e for e in all_events(runtime) if type(e).__name__ == "CandidateTagged"]
    assert tagged[0].by.rule_id == rule and tagged[0].by.depth == 1


def test_a_submission_for_a_known_address_waits_for_that_address_to_confirm(
        runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    _, _, form, _ = talent_form_setup(runtime, boss)
    first = app.forms.submit(form, "Sam Silver", "sam@example.com", consent=False)
    again = app.forms.submit(form, "Sam Silver-Gold", "SAM@example.com", consent=True,
                            interests=["data"])
    assert again.id == first.id
    candidate = app.store.load(Candidate, first.id)
    assert candidate.profile["name"] == "Sam Silver"
    assert candidate.consent.status == "none"

    app.forms.confirm(again.extra["submission_id"], first.id)
    candidate = app.store.load(Candidate, first.id)
    assert candidate.profile["name"] == "Sam Silver-Gold"
    assert candidate.consent.status == "granted" and candidate.consent.channel == "form"


def test_a_disabled_rule_does_nothing(runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    _, _pool, form, rule = talent_form_setup(runtime, boss, enabled=False)
    submitted = app.forms.submit(form, "Sam Silver", "sam@example.com", consent=True)
    drain(runtime)
    assert app.store.load(Candidate, submitted.id).pool_ids == []
    assert notifications(runtime) == []
    assert runs_of(runtime, rule) == []


def test_redelivering_an_event_does_not_double_its_effect(runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    _, _, form, rule = talent_form_setup(runtime, boss)
    app.forms.submit(form, "Sam Silver", "sam@example.com", consent=True)
    handler = AutomationHandler()
    created = next(m for m in messages_after(runtime, 0) if m.type == "CandidateCreated")
    handler.handle(created, runtime, "automation")
    handler.handle(created, runtime, "automation")
    assert len(notifications(runtime)) == 1
    assert len(runs_of(runtime, rule)) == 1


def test_rules_reacting_to_each_others_tags_stop(runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    app.rules.create("A", "tag_added", boss, actions=[{"type": "add_tag", "tag": "x"}])
    app.rules.create("B", "tag_added", boss, actions=[{"type": "add_tag", "tag": "y"}])
    candidate = app.candidates.create("Lou Loop", ["lou@example.com"], boss)
    app.opportunities.add(candidate.id, boss, general=True)
    opportunity_id = next(e.originator_id for e in all_events(runtime)
                          if type(e).__name__ == "OpportunityCreated")
    app.opportunities.add_tags(opportunity_id, ["seed"], boss)

    drain(runtime)

    assert sorted(app.store.load(Opportunity, opportunity_id).tags) == ["seed", "x", "y"]
    tag_events = [e for e in all_events(runtime) if type(e).__name__ == "TagAdded"]
    assert len(tag_events) == 3


def test_a_chain_of_rules_stops_at_depth_three(runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    for i in range(1, 5):
        app.rules.create(f"step {i}", "tag_added", boss,
                        filter=[{"field": "tag", "op": "equals", "value": f"t{i - 1}"}],
                        actions=[{"type": "add_tag", "tag": f"t{i}"}])
    candidate = app.candidates.create("Cy Chain", ["cy@example.com"], boss)
    app.opportunities.add(candidate.id, boss, general=True)
    opportunity_id = next(e.originator_id for e in all_events(runtime)
                          if type(e).__name__ == "OpportunityCreated")
    app.opportunities.add_tags(opportunity_id, ["t0"], boss)

    drain(runtime)

    assert sorted(app.store.load(Opportunity, opportunity_id).tags) == ["t0", "t1", "t2", "t3"]


def test_send_campaign_action_skips_candidates_without_consent(runtime: Runtime,
                                                               boss: Actor) -> None:
    app = runtime.rekindle
    campaign = app.campaigns.create("Welcome", "Welcome to our talent pool", "Hello!", boss).id
    rule = app.rules.create("Welcome", "candidate_created", boss,
                           actions=[{"type": "send_campaign", "campaign_id": str(campaign)}]).id
    app.candidates.create("No Consent", ["nc@example.com"], boss)
    drain(runtime)
    [run] = runs_of(runtime, rule)
    assert run.effects == [] and run.skipped == [{"action": "send_campaign",
                                                  "reason": "consent_none"}]


def test_silver_medallists_get_a_tag_a_reminder_and_their_owner_is_told(
        runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    recruiter = app.users.create("Rita Recruiter", "rita@example.com", "team_member", boss).id
    rita = Actor(recruiter, "team_member")
    rule = app.rules.create(
        "Silver medallists", "opportunity_archived", boss,
        filter=[{"field": "archive_reason", "op": "in", "value": ["position_filled", "timing"]}],
        actions=[{"type": "add_tag", "tag": "silver-medallist"},
                 {"type": "set_reminder", "in_days": 180, "assignee": "owner",
                  "note": "Approach again"},
                 {"type": "notify", "to": "owner", "message": "A silver medallist to keep"}]).id
    kept = app.candidates.create("Kim Kept", ["kim@example.com"], boss)
    hired_elsewhere = app.candidates.create("Hal Hired", ["hal@example.com"], boss)
    kept_opp = app.opportunities.add(kept.id, rita, general=True).id
    other_opp = app.opportunities.add(hired_elsewhere.id, rita, general=True).id
    app.opportunities.archive(kept_opp, "position_filled", rita)
    app.opportunities.archive(other_opp, "hired", rita)

    drain(runtime)

    assert "silver-medallist" in app.store.load(Opportunity, kept_opp).tags
    assert "silver-medallist" not in app.store.load(Opportunity, other_opp).tags
    reminders = [e for e in all_events(runtime) if type(e).__name__ == "ReminderSet"]
    assert [(r.candidate_id, r.assignee_id, r.by.rule_id) for r in reminders] == [
        (kept.id, recruiter, rule)]
    assert (reminders[0].due_at - reminders[0].timestamp).days in (179, 180)
    assert [(n.recipient_id, n.candidate_id) for n in notifications(runtime)] == [
        (recruiter, kept.id)]


def test_a_worker_batch_reads_the_rules_once_and_the_next_batch_sees_new_ones(
        runtime: Runtime, boss: Actor) -> None:
    """A worker handling a batch uses the rules as they were when it read the batch: one
    query for the batch, and a rule created meanwhile counts from the next batch on."""
    app = runtime.rekindle
    with app.lookups.read_once_per_batch():
        assert app.automation.rules_for("candidate_created") == []
        app.rules.create("Tag everyone", "candidate_created", boss, filter=[],
                        actions=[{"type": "add_tag", "tag": "seen"}])
        assert app.automation.rules_for("candidate_created") == []
    assert [r.name for r in app.automation.rules_for("candidate_created")] == ["Tag everyone"]


def test_an_event_no_rule_acts_on_records_nothing(runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    app.candidates.create("Quiet Quinn", ["quinn@example.com"], boss)
    head = app.store.recorder.max_notification_id()
    drain(runtime)
    assert app.store.recorder.max_notification_id() == head
    # the worker records its position
    assert app.store.recorder.max_tracking_id("automation") is None


def test_rules_are_read_once_per_batch_and_a_rule_changed_meanwhile_applies_from_the_next(
        runtime: Runtime, boss: Actor) -> None:
    app = runtime.rekindle
    rule = app.rules.create("Tag everyone", "candidate_created", boss, filter=[],
                           actions=[{"type": "add_tag", "tag": "seen"}]).id
    ids = [app.candidates.create(f"Batch {n}", [f"batch{n}@example.com"], boss).id
           for n in range(4)]
    created = [m for m in messages_after(runtime, 0) if m.type == "CandidateCreated"]
    handler = AutomationHandler()
    with handler.batch_scope(runtime):
        handler.handle(created[0], runtime, "automation")
        app.rules.change(rule, boss, enabled=False)  # an admin, while the batch is handled
        handler.handle(created[1], runtime, "automation")
    with handler.batch_scope(runtime):
        handler.handle(created[2], runtime, "automation")
    handler.handle(created[3], runtime, "automation")

    assert ["seen" in app.store.load(Candidate, i).tags for i in ids] == [True, True, False,
                                                                          False]
    assert len(runs_of(runtime, rule)) == 2


def test_a_batch_of_events_is_handled_in_one_transaction_each_seeing_the_ones_before(
        runtime: Runtime, boss: Actor) -> None:
    """Two opportunities of one candidate in one batch: the first puts the candidate in the
    pool, the second sees it there already (so nothing is added twice), and every effect and
    the batch's position commit together."""
    app = runtime.rekindle
    pool = app.pools.create("Silver medallists", boss).id
    rule = app.rules.create("New opportunity, into the pool", "opportunity_created", boss,
                           filter=[], actions=[{"type": "add_to_pool", "pool_id": str(pool)}]).id
    candidate = app.candidates.create("Sam Silver", ["sam@example.com"], boss).id
    other = app.candidates.create("Olga Other", ["olga@example.com"], boss).id
    postings = [app.postings.create(title, boss, state="published").id
                for title in ("Data engineer", "Analyst")]
    for who, posting in ((candidate, postings[0]), (candidate, postings[1]), (other, postings[0])):
        app.opportunities.add(who, boss, posting_id=posting)
    batch = [m for m in messages_after(runtime, 0) if AutomationHandler().wants(m)]
    head = app.store.recorder.max_notification_id()

    handler = AutomationHandler()
    with handler.batch_scope(runtime):
        handler.handle_together(batch, runtime, "automation")

    added = [e for e in all_events(runtime) if type(e).__name__ == "AddedToPool"]
    assert sorted(e.originator_id for e in added) == sorted([candidate, other])
    assert len(runs_of(runtime, rule)) == 3
    assert app.store.recorder.max_tracking_id("automation") == batch[-1].position
    recorded = app.store.recorder.select_notifications(start=head + 1, limit=100)
    assert {n.id for n in recorded} == set(
        range(head + 1, head + 1 + len(added) + 3)), "effects and runs, nothing else"

    handler.handle(batch[-1], runtime, "automation")  # redelivered one at a time
    assert len(runs_of(runtime, rule)) == 3


def test_finding_a_candidates_opportunities_reads_only_the_log_written_since_the_last_look(
        runtime: Runtime, boss: Actor) -> None:
    """The engine asks for a candidate's opportunities on every event; when none were
    created lately, it must not reread the whole log since the last one."""
    app = runtime.rekindle
    posting = app.postings.create("Data engineer", boss, state="published").id
    sam = app.candidates.create("Sam Silver", ["sam@example.com"], boss).id
    opportunity = app.opportunities.add(sam, boss, posting_id=posting).id
    for n in range(120):
        app.candidates.create(f"Quiet {n}", [f"quiet{n}@example.com"], boss)
    assert app.lookups.opportunity_ids_of(sam) == [opportunity]
    head = app.store.recorder.max_notification_id()

    starts: list[int] = []
    select = app.store.recorder.select_notifications
    app.store.recorder.select_notifications = (
        lambda **kw: starts.append(kw["start"]) or select(**kw))
    try:
        assert app.lookups.opportunity_ids_of(sam) == [opportunity]
    finally:
        del app.store.recorder.select_notifications
    assert starts and min(starts) >= head - 60, (starts, head)


def test_a_worker_batch_looks_up_a_candidates_opportunities_in_the_log_once(
        runtime: Runtime, boss: Actor) -> None:
    """The engine asks for a candidate's opportunities on every event of a batch; the log is
    read for them once per batch (everything before the batch's events is in by then), and
    an opportunity created meanwhile counts from the next batch on."""
    app = runtime.rekindle
    sam = app.candidates.create("Sam Silver", ["sam@example.com"], boss).id
    first = app.opportunities.add(sam, boss, general=True).id

    reads: list[int] = []
    select = app.store.recorder.select_notifications
    app.store.recorder.select_notifications = lambda **kw: reads.append(kw["start"]) or select(**kw)
    try:
        with app.lookups.read_once_per_batch():
            assert app.lookups.opportunity_ids_of(sam) == [first]
            second = app.opportunities.add(sam, boss, general=True).id
            assert app.lookups.opportunity_ids_of(sam) == [first]
        assert len(reads) == 1
        assert app.lookups.opportunity_ids_of(sam) == [first, second]
    finally:
        del app.store.recorder.select_notifications
