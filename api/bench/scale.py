"""Rule triggers and their effects, counted in the event store: what the scale-out figure
(`kafka_scale`) and the scale-out reliability tests check. One enabled rule tags every new
candidate and notifies its owner; each trigger must end with exactly one run, one tag and
one notification, however many consumers shared the work and whatever was killed."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from api.bench.data import record_candidate
from api.bench.fleet import Fleet, WorkerProcess, parked, skip_to_end
from api.bench.harness import BenchEnv, Sizes, ratio, wait_until
from consumers.kafka import EVENTS_TOPIC, ensure_topics
from consumers.messages import event_id
from consumers.relay import published_position
from domain.actor import Actor
from domain.candidate import Candidate
from domain.notification import Notification
from domain.rule_run import RuleRun

TAG = "scaled-out"
TOPICS = {get_topic(RuleRun.RuleRan): "runs", get_topic(Candidate.CandidateTagged): "tags",
          get_topic(Notification.NotificationRecorded): "notifications"}


def create_rule(app: Any, by: Actor) -> UUID:
    """The rule every trigger runs: tag the new candidate, notify its owner."""
    return app.rules.create("tag and notify every new candidate", "candidate_created", by,
                            filter=[], actions=[{"type": "add_tag", "tag": TAG},
                                                {"type": "notify", "to": "owner",
                                                 "message": "A new candidate"}]).id


def trigger_in_parallel(count: int, clients: int, one: Callable[[int], UUID]) -> list[UUID]:
    """`count` triggering commands from `clients` threads; their candidates' ids."""
    made: list[UUID] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def client(index: int) -> None:
        try:
            for n in range(index, count, clients):
                cid = one(n)
                with lock:
                    made.append(cid)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return made


class Effects:
    """Each candidate's runs of the rule, tags and notifications, read on from the store."""

    def __init__(self, app: Any, rule_id: UUID) -> None:
        self.app = app
        self.rule_id = rule_id
        self.position = 0
        self.counts: dict[str, Counter[UUID]] = {k: Counter() for k in TOPICS.values()}
        self.run_times: dict[UUID, datetime] = {}

    def read(self) -> None:
        for position, event in self.app.store.scan(TOPICS, self.position + 1):
            self.position = position
            kind = TOPICS[get_topic(type(event))]
            if kind == "runs":
                if event.rule_id != self.rule_id or event.candidate_id is None:
                    continue
                subject = event.candidate_id
                self.run_times.setdefault(subject, event.timestamp)
            elif kind == "tags":
                if event.tag != TAG:
                    continue
                subject = event.originator_id
            else:
                if event.reason != "rule" or event.candidate_id is None:
                    continue
                subject = event.candidate_id
            self.counts[kind][subject] += 1

    def all_done(self, candidates: list[UUID]) -> bool:
        self.read()
        runs = self.counts["runs"]
        return all(runs[c] for c in candidates)

    def verdict(self, candidates: list[UUID]) -> dict[str, int]:
        """How many triggers lost an effect and how many got one twice (per kind)."""
        self.read()
        lost = doubled = 0
        for candidate in candidates:
            seen = [self.counts[kind][candidate] for kind in TOPICS.values()]
            lost += any(n == 0 for n in seen)
            doubled += any(n > 1 for n in seen)
        return {"triggers": len(candidates), "lost": lost, "doubled": doubled}

    def drain_rate(self, candidates: list[UUID]) -> float:
        """Triggers per second between the first and the last run of the rule."""
        times = sorted(self.run_times[c] for c in candidates if c in self.run_times)
        if len(times) < 2:
            return 0.0
        span = (times[-1] - times[0]).total_seconds()
        return round((len(times) - 1) / span, 1) if span > 0 else 0.0


# --- the figure ---------------------------------------------------------------------------


def kafka_scale(env: BenchEnv, sizes: Sizes) -> dict[str, Any]:
    """A backlog of rule triggers drained by one, then by three `rekindle worker automation`
    processes (fresh database each, same broker; the backlog is on the topic before they
    read it, `backlog_published_s` after the relay started), the batch fallbacks counted by the
    consumers, and, with three, how long the others take to own a SIGKILLed one's
    partitions while triggers keep coming."""
    one = _drain(env, sizes, 1)
    three = _drain(env, sizes, 3)
    return {"triggers": sizes.scale_triggers,
            "one_consumer_per_s": one["per_s"], "three_consumers_per_s": three["per_s"],
            "ratio": ratio(three["per_s"], one["per_s"]),
            "batch_fallbacks": one["fallbacks"] + three["fallbacks"],
            "lost_races": one["lost_races"] + three["lost_races"],
            "takeover_s": three["takeover_s"],
            "lost": one["lost"] + three["lost"], "doubled": one["doubled"] + three["doubled"],
            "parked": one["parked"] + three["parked"],
            "backlog_published_s": [one["published_s"], three["published_s"]],
            "workers": "relay and 1 or 3 automation consumers, a process each"}


def _drain(env: BenchEnv, sizes: Sizes, consumers: int) -> dict[str, Any]:
    from api.bench.measures import admin_actor
    from api.bootstrap import Runtime

    settings = env.fresh_settings(f"scale{consumers}", kafka=True)
    bootstrap = settings.kafka_bootstrap or ""
    by = admin_actor(env)
    folder = env.root / f"scale{consumers}"
    with Runtime(settings) as runtime:
        runtime.start(projections=False, workers=False)
        app = runtime.rekindle
        effects = Effects(app, create_rule(app, by))
        ensure_topics(bootstrap)
        skip_to_end(bootstrap, "rekindle.automation", EVENTS_TOPIC)
        relay = WorkerProcess(settings, "relay", folder / "relay.log")
        fleet = Fleet(settings, "automation", consumers, folder)
        try:
            relay.start()
            fleet.start()
            warm = [record_candidate(app, -1, by)]
            wait_until(lambda: effects.all_done(warm), 120, "a first effect")
            fleet.wait_stable()
            relay.stop()  # the backlog is recorded while nothing publishes it,
            made = trigger_in_parallel(sizes.scale_triggers, 4,
                                       lambda n: record_candidate(app, n, by))
            with fleet.paused():  # and put on the topic while no member reads it
                relay.start()
                published_s = _published(runtime, app.store.head(),
                                         settings.kafka_session_timeout_s / 2)
            wait_until(lambda: fleet.check_alive() or effects.all_done(made), 600,
                       "the backlog's effects")
            figures = {"per_s": effects.drain_rate(made), "takeover_s": None,
                       "published_s": published_s}
            if consumers > 1:
                made += _kill_one_under_load(app, by, fleet, effects, figures)
            figures["fallbacks"] = int(fleet.total("rekindle_consumer_batch_fallbacks_total"))
            figures["lost_races"] = int(fleet.total("rekindle_consumer_lost_races_total"))
        finally:
            fleet.stop()
            relay.stop()
        figures.update(effects.verdict([*warm, *made]))
        causes = {str(event_id(c, 1)) for c in [*warm, *made]}
        figures["parked"] = parked(bootstrap, f"{EVENTS_TOPIC}.dlq", causes)
        return figures


def _published(runtime: Any, head: int, within_s: float) -> float | None:
    """Seconds until the relay has published up to `head`; None if it did not within
    `within_s` (the drain then overlaps the publishing, and the figure says so)."""
    began = time.monotonic()
    while time.monotonic() - began < within_s:
        if published_position(runtime) >= head:
            return round(time.monotonic() - began, 2)
        time.sleep(0.05)
    return None


def _kill_one_under_load(app: Any, by: Actor, fleet: Fleet, effects: Effects,
                         figures: dict[str, Any]) -> list[UUID]:
    """Triggers at about 100/s; one member SIGKILLed, timed until the others own all the
    partitions, started again after 5 s; the triggers' ids once every effect is there."""
    made: list[UUID] = []
    stop = threading.Event()

    def trickle() -> None:
        n = 1_000_000
        while not stop.wait(0.01):
            made.append(record_candidate(app, n, by))
            n += 1

    thread = threading.Thread(target=trickle)
    thread.start()
    try:
        time.sleep(2)
        victim = fleet.members[0]
        figures["takeover_s"] = fleet.takeover_s(victim)
        time.sleep(max(0.0, 5 - figures["takeover_s"]))
        victim.start()
        fleet.wait_stable()
        time.sleep(2)
    finally:
        stop.set()
        thread.join()
    wait_until(lambda: effects.all_done(made), 300, "the effects of the triggers under load")
    return made
