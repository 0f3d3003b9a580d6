"""The process's own Prometheus series, and the exposition every Rekindle process serves.

Counters live in the process that does the work (a mail sent, an application delivered to
the ATS), so each process exposes its own; Prometheus sums them across processes. Label
values are short fixed words chosen by the code that counts (never a name, an address or an
id), which keeps every series free of personal data and bounded in number.

`exposition(pool)` joins them with the read side's positions, which any process can read
from PostgreSQL: the API serves it on /metrics, `rekindle worker --metrics-port` on a port.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Info,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from psycopg_pool import ConnectionPool

from projections.metrics import ReadSideCollector

log = logging.getLogger(__name__)

disable_created_metrics()  # a `_created` twin of every series doubles a scrape for no graph

MAILS = Counter("rekindle_mails", "Mails handed to the mail server, by kind and outcome",
                ["kind", "status"])
ATS_DELIVERIES = Counter("rekindle_ats_deliveries",
                         "Applications sent to the ATS, by recorded outcome", ["status"])
LOST_RACES = Counter("rekindle_consumer_lost_races",
                     "Effects a handler recorded again on fresh state after losing a version race",
                     ["handler"])
BATCH_FALLBACKS = Counter("rekindle_consumer_batch_fallbacks",
                          "Batches a handler could not record together and delivered one "
                          "message at a time", ["handler"])
ASSIGNED = Gauge("rekindle_consumer_assigned_partitions",
                 "Partitions this process's member of a consumer group owns now", ["handler"])
BUILD = Info("rekindle_build", "The running Rekindle version")


def _version() -> str:
    try:
        return metadata.version("rekindle")
    except metadata.PackageNotFoundError:
        return "unknown"


BUILD.info({"version": _version()})


def mail_sent(kind: str, status: str) -> None:
    """One mail of `kind` (e.g. "consent_request") ended as `status` ("sent", "failed")."""
    MAILS.labels(kind=kind, status=status).inc()


def ats_delivered(status: str) -> None:
    """One application's outcome was recorded: "delivered" or "failed"."""
    ATS_DELIVERIES.labels(status=status).inc()


def lost_race(handler: str) -> None:
    """A handler's effect lost a version race and is tried again on fresh state."""
    LOST_RACES.labels(handler=handler).inc()


def assigned(handler: str, partitions: int) -> None:
    """The group gave this process's `handler` member `partitions` partitions."""
    ASSIGNED.labels(handler=handler).set(partitions)


def batch_fell_back(handler: str) -> None:
    """A batch failed for a reason other than a lost race and goes one message at a time."""
    BATCH_FALLBACKS.labels(handler=handler).inc()


class _Everything(Collector):
    """The process-wide default registry (the counters above, the library's process and GC
    series) seen as one collector, so a registry of its own can hold it too."""

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


def exposition(pool: Callable[[], ConnectionPool]) -> CollectorRegistry:
    """The process's series plus one database's positions. Those are not registered in the
    default registry because one process may serve several databases (tests do)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Everything())
    registry.register(ReadSideCollector(pool))
    return registry


def serve(port: int, pool: Callable[[], ConnectionPool], host: str = "127.0.0.1") -> Any:
    """Serves the exposition on http://host:port/ (any path) in a daemon thread; returns the
    server (`.shutdown()` stops it)."""
    server, _thread = start_http_server(port, addr=host,
                                        registry=exposition(pool))
    log.info("metrics on http://%s:%s/metrics", host, server.server_port)
    return server
