"""Scaled out as deployed: `rekindle worker relay`, `rekindle worker projections` and three
`rekindle worker automation` processes in the consumer group `rekindle.automation`, on a
real Kafka-protocol broker, with one rule acting on every new candidate (a tag and a
notification) and 2,000 triggering commands from four clients.

Whatever is SIGKILLed mid-load and restarted (one of the consumers, the relay, the
projections worker), every trigger ends with exactly one run of the rule, one tag and one
notification, nothing is parked on `rekindle.events.dlq`, and the read models equal a
fresh rebuild.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from api.bench.fleet import Fleet, WorkerProcess
from api.bench.scale import Effects, create_rule, trigger_in_parallel
from domain.actor import Actor
from domain.service import Rekindle
from domain.settings import Settings
from projections.database import Database
from projections.rebuild import status
from tests.kafka_fixture import TansuBroker, read_topics
from tests.reliability.faults import read_model_dump, rebuilt_dump
from tests.waiting import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
TRIGGERS = 2_000
CLIENTS = 4


class Deployment:
    """The worker processes of one installation, on the test's database and broker."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.relay = WorkerProcess(settings, "relay", folder / "relay.log")
        self.projections = WorkerProcess(settings, "projections", folder / "projections.log")
        self.automation = Fleet(settings, "automation", 3, folder)

    def start(self) -> Deployment:
        self.relay.start()
        self.projections.start()
        self.automation.start()
        return self

    def stop(self) -> None:
        self.automation.stop()
        self.relay.stop()
        self.projections.stop()


@pytest.fixture
def deployed(settings: Settings, kafka_broker: TansuBroker, tmp_path: Path
             ) -> Iterator[Deployment]:
    deployment = Deployment(settings.replace(kafka_bootstrap=kafka_broker.bootstrap),
                            tmp_path / "workers").start()
    yield deployment
    deployment.stop()


@pytest.fixture
def watched(settings: Settings) -> Iterator[Database]:
    database = Database(settings).start()
    yield database
    database.stop()


def load(app: Rekindle, admin: Actor) -> tuple[threading.Thread, list[UUID]]:
    """2,000 candidates created by four clients, in a thread; their ids once it is done."""
    made: list[UUID] = []

    def run() -> None:
        made.extend(trigger_in_parallel(TRIGGERS, CLIENTS, lambda n: app.candidates.create(
            f"Scaled {n}", [f"scaled{n}@example.com"], admin).id))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, made


def kill_mid_load(app: Rekindle, effects: Effects, victim: WorkerProcess) -> None:
    """Once a quarter of the triggers had their effect: SIGKILL, 5 s, start again."""
    def quarter_done() -> bool:
        effects.read()
        return sum(1 for n in effects.counts["runs"].values() if n) >= TRIGGERS // 4

    wait_until(quarter_done, 120, "a quarter of the effects")
    victim.kill()
    time.sleep(5)
    victim.start()


def settle(deployment: Deployment, app: Rekindle, effects: Effects, candidates: list[UUID],
           watched: Database) -> None:
    wait_until(lambda: effects.all_done(candidates), 240, "every trigger's effect",
               lambda: (len(effects.counts["runs"]), deployment.automation.assigned()))
    head = app.store.head()
    wait_until(lambda: min(r["position"] for r in status(watched)) >= head, 120,
               "the projections to reach the head", lambda: status(watched))


def nothing_parked(bootstrap: str) -> list:
    return read_topics(bootstrap, lambda t: t == "rekindle.events.dlq", quiet_s=1.0)


def test_a_consumer_killed_mid_load_loses_and_doubles_no_effect(
        deployed: Deployment, app: Rekindle, admin: Actor, watched: Database,
        kafka_broker: TansuBroker) -> None:
    rule = create_rule(app, admin)
    deployed.automation.wait_stable()
    effects = Effects(app, rule)
    thread, made = load(app, admin)
    kill_mid_load(app, effects, deployed.automation.members[0])
    thread.join()
    settle(deployed, app, effects, made, watched)

    assert effects.verdict(made) == {"triggers": TRIGGERS, "lost": 0, "doubled": 0}
    assert nothing_parked(kafka_broker.bootstrap) == []


def test_the_relay_and_the_projections_killed_mid_load_lose_nothing(
        deployed: Deployment, app: Rekindle, admin: Actor, watched: Database,
        kafka_broker: TansuBroker, settings: Settings, tmp_path: Path) -> None:
    rule = create_rule(app, admin)
    deployed.automation.wait_stable()
    effects = Effects(app, rule)
    thread, made = load(app, admin)
    kill_mid_load(app, effects, deployed.relay)
    kill_mid_load(app, effects, deployed.projections)  # the quarter is long past: at once
    thread.join()
    settle(deployed, app, effects, made, watched)

    assert effects.verdict(made) == {"triggers": TRIGGERS, "lost": 0, "doubled": 0}
    assert nothing_parked(kafka_broker.bootstrap) == []
    assert read_model_dump(settings.database_url) == rebuilt_dump(settings.database_url,
                                                                   tmp_path / "rebuild")
