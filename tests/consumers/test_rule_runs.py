"""A rule's runs are recorded apart from the rule: running it never writes to it."""

from __future__ import annotations

from domain.actor import Actor
from domain.rule import Rule
from domain.rule_run import RuleRun
from domain.service import Rekindle
from tests.consumers.test_automation import all_events, boss, drain, runtime  # noqa: F401


def test_running_a_rule_records_one_run_each_and_leaves_the_rule_as_it_was(
        runtime, boss: Actor) -> None:  # noqa: F811
    app: Rekindle = runtime.rekindle
    rule = app.rules.create("Everyone", "candidate_created", boss,
                            actions=[{"type": "add_tag", "tag": "seen"}]).id
    for i in range(30):
        app.candidates.create(f"C {i}", [f"c{i}@example.com"], boss)
    drain(runtime)

    assert app.store.load(Rule, rule).version == 1, "the runs were written to the rule"
    runs = [e for e in all_events(runtime) if isinstance(e, RuleRun.RuleRan)]
    assert len(runs) == 30
    assert {r.rule_id for r in runs} == {rule}
    assert len({r.cause_event_id for r in runs}) == 30
    assert all(r.effects == [{"type": "add_tag", "candidate_id": str(r.candidate_id),
                              "tag": "seen"}] for r in runs)
