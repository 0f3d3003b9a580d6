"""The Kafka lag figure: commit → rule effect through the relay, the broker and the automation
consumer, each a `rekindle worker` process as deployed, at a steady rate."""

from __future__ import annotations

import time
from typing import Any

from api.bench import data
from api.bench.harness import BenchEnv, Sizes, latency_ms, rate, wait_until
from api.bench.measures import admin_actor
from api.bench.serving import spawn, terminate
from domain.actor import Actor

KAFKA_RATE = 200
LAG_TAG = "bench-lag"


def kafka_lag(env: BenchEnv, sizes: Sizes) -> dict[str, Any]:
    """Candidates created at a steady KAFKA_RATE/s; each is tagged by a rule run by the automation
    consumer behind relay -> Kafka, each a `rekindle worker` process of its own as deployed.
    Lag = the effect event's timestamp (taken as the rule's action runs, just before its
    commit) minus the moment the cause's commit returned."""
    from api.bootstrap import Runtime

    settings = env.fresh_settings("kafka", kafka=True)
    by = admin_actor(env)
    with Runtime(settings) as runtime:
        runtime.start(projections=False, workers=False)
        app = runtime.rekindle
        app.rules.create("bench: tag every new candidate", "candidate_created", by, filter=[],
                        actions=[{"type": "add_tag", "tag": LAG_TAG}])
        from api.bench.fleet import skip_to_end
        from consumers.kafka import EVENTS_TOPIC, ensure_topics

        ensure_topics(settings.kafka_bootstrap or "")  # a broker shared with earlier runs:
        skip_to_end(settings.kafka_bootstrap or "", "rekindle.automation", EVENTS_TOPIC)
        logs = {name: env.root / f"worker-{name}.log" for name in ("relay", "automation")}
        workers = [spawn(settings, log, ["worker", name]) for name, log in logs.items()]
        try:
            return _steady_lag(app, by, sizes, workers)
        except RuntimeError as error:
            tails = " | ".join(f"{name}: {log.read_text(errors='replace')[-600:]}"
                               for name, log in logs.items() if log.exists())
            raise RuntimeError(f"{error}; worker logs: {tails}") from error
        finally:
            for worker in workers:
                terminate(worker)


def _steady_lag(app: Any, by: Actor, sizes: Sizes, workers: list[Any]) -> dict[str, Any]:
    """Creates candidates at KAFKA_RATE/s and collects each one's lag from the event store."""
    from datetime import UTC, datetime

    committed: dict[Any, datetime] = {}
    lags: list[float] = []
    seen = {"position": app.store.recorder.max_notification_id() or 0}

    def create(n: int) -> None:
        cid = data.record_candidate(app, n, by)
        committed[cid] = datetime.now(UTC)

    def collect() -> bool:
        for worker in workers:
            if worker.poll() is not None:
                raise RuntimeError(f"a worker exited with {worker.returncode}: {worker.args}")
        for notification in app.store.recorder.select_notifications(
                start=seen["position"], limit=1000, inclusive_of_start=False):
            seen["position"] = notification.id
            if notification.originator_id not in committed:
                continue
            event = app.store.mapper.to_domain_event(notification)
            if type(event).__name__ == "CandidateTagged" and event.tag == LAG_TAG:
                cause_at = committed.pop(event.originator_id)
                lags.append(max(0.0, (event.timestamp - cause_at).total_seconds()))
        return not committed

    create(-1)
    wait_until(collect, 120, "the automation consumer to join its group and apply a rule")
    lags.clear()
    interval = 1 / KAFKA_RATE
    began = time.perf_counter()
    n = 0
    while time.perf_counter() - began < sizes.kafka_seconds:
        create(n)
        n += 1
        pause = began + n * interval - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        if n % 50 == 0:
            collect()
    achieved = rate(n, time.perf_counter() - began)
    wait_until(collect, 60, "every rule effect")
    return {"events": n, "target_events_per_s": KAFKA_RATE, "events_per_s": achieved,
            **latency_ms(lags), "samples": len(lags),
            "workers": "relay and automation, a process each"}
