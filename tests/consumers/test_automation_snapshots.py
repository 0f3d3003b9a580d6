"""A busy rule stays cheap to load: its runs are snapshotted."""

from __future__ import annotations

from domain.actor import Actor
from domain.application import Rekindle
from domain.crm import RULE_SNAPSHOT_INTERVAL
from domain.rule import Rule
from tests.consumers.test_automation import boss, drain, runtime  # noqa: F401


def test_a_rule_with_many_runs_loads_from_a_snapshot(runtime, boss: Actor) -> None:  # noqa: F811
    app: Rekindle = runtime.app
    rule = app.create_rule("Everyone", "candidate_created", boss,
                           actions=[{"type": "add_tag", "tag": "seen"}]).id
    for i in range(RULE_SNAPSHOT_INTERVAL):
        app.create_candidate(f"C {i}", [f"c{i}@example.com"], boss)
    drain(runtime)

    loaded = app.load(Rule, rule)
    assert loaded.runs == RULE_SNAPSHOT_INTERVAL
    assert list(app.snapshots.get(rule)), "no snapshot of the busy rule was taken"
