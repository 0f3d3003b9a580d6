"""Rule triggers and their effects, counted in the event store: what the scale-out figure
(`kafka_scale`) and the scale-out reliability tests check. One enabled rule tags every new
candidate and notifies its owner; each trigger must end with exactly one run, one tag and
one notification, however many consumers shared the work and whatever was killed."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

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
