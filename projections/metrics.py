"""The read side's progress as Prometheus series, read from PostgreSQL at each scrape.

Everything here is a position or a count (the log's head, each view's and each consumer's
tracking position, parked messages, the relay's acknowledged position): no personal data,
and label values come from a bounded set (view, handler and relay names, partitions).

A scrape never fails because of the database: a table that does not exist yet (a fresh
database) gives no sample, and an outage leaves out what could not be read and counts the
failure in `rekindle_metrics_scrape_errors_total`, so /metrics still answers with the
process's own series while PostgreSQL is down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg import Cursor
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier, Literal
from psycopg_pool import ConnectionPool

from projections.readview import APP_NAME, READ_SCHEMA

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 1.0
"""A scrape waits this long for a pooled connection: Prometheus's default timeout is 10 s,
and a busy or absent database must not hold the scrape (or a request thread) longer."""
STATEMENT_TIMEOUT = "2s"
EVENTS_TABLE = f"public.{APP_NAME.lower()}_events"
TRACKING_TABLE = f"public.{APP_NAME.lower()}_tracking"
"""The event store's process recorder tracking: one row per in-process handler (its name)
or per Kafka handler and partition (`<handler>:p<partition>`)."""
PARKED_TABLE = "rekindle.parked_messages"
RELAY_TABLE = "rekindle.relay_positions"


def view_names() -> list[str]:
    from projections.catalog import projections

    return [projection.name for projection in projections()]


def split_tracking_name(name: str) -> tuple[str, str | None]:
    """'ats:p3' -> ('ats', '3'); 'ats' -> ('ats', None)."""
    handler, sep, partition = name.rpartition(":p")
    if sep and handler and partition.isdigit():
        return handler, partition
    return name, None


class ReadSideCollector(Collector):
    """A custom collector over the pool `pool()` returns (looked up at each scrape, so a
    runtime that restarts its database is followed)."""

    def __init__(self, pool: Callable[[], ConnectionPool],
                 views: Callable[[], list[str]] = view_names) -> None:
        self.pool = pool
        self.views = views
        self.errors = 0
        self._lock = threading.Lock()

    def describe(self) -> list[Metric]:
        """Nothing up front: registering must not query the database."""
        return []

    def collect(self) -> Iterator[Metric]:
        families: list[Metric] = []
        up = 0
        try:
            with self.pool().connection(timeout=CONNECT_TIMEOUT_S) as conn, \
                    conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
                cur.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
                self._read(cur, families)
            up = 1
        except Exception as error:  # an outage or a race with a rebuild: report what was read
            with self._lock:
                self.errors += 1
            log.warning("metrics: reading the read side's positions failed: %s",
                        type(error).__name__)
        yield from families
        yield GaugeMetricFamily("rekindle_metrics_database_up",
                                "1 if the last scrape read every position from PostgreSQL",
                                value=up)
        yield CounterMetricFamily("rekindle_metrics_scrape_errors",
                                  "Scrapes that could not read the positions from PostgreSQL",
                                  value=self.errors)

    def _read(self, cur: Cursor[Any], families: list[Metric]) -> None:
        views = {name: f"{READ_SCHEMA}.{name.lower()}_tracking" for name in self.views()}
        wanted = [EVENTS_TABLE, TRACKING_TABLE, PARKED_TABLE, RELAY_TABLE, *views.values()]
        rows = cur.execute("SELECT name, to_regclass(name) IS NOT NULL FROM unnest(%s::text[])"
                           " AS name", (wanted,)).fetchall()
        exists = {row[0] for row in rows if row[1]}

        head = None
        if EVENTS_TABLE in exists:
            found = cur.execute(f"SELECT max(notification_id) FROM {EVENTS_TABLE}").fetchone()
            head = int(found[0] or 0)
            families.append(GaugeMetricFamily(
                "rekindle_event_log_head", "Highest notification id in the event store",
                value=head))

        present = {name: table for name, table in views.items() if table in exists}
        if present:
            families.extend(self._views(cur, present, head))
        handlers: set[str] = set()
        if TRACKING_TABLE in exists:
            families.extend(self._consumers(cur, handlers))
        if PARKED_TABLE in exists:
            families.append(self._parked(cur, handlers))
        if RELAY_TABLE in exists:
            families.extend(self._relay(cur, head))

    @staticmethod
    def _views(cur: Cursor[Any], tables: dict[str, str],
               head: int | None) -> list[Metric]:
        selects = [SQL("SELECT {}, max(notification_id) FROM {}.{} WHERE application_name = {}")
                   .format(Literal(name), Identifier(READ_SCHEMA),
                           Identifier(table.split(".", 1)[1]), Literal(APP_NAME))
                   for name, table in tables.items()]
        rows = cur.execute(SQL(" UNION ALL ").join(selects)).fetchall()
        position = GaugeMetricFamily("rekindle_projection_position",
                                     "Last notification id the view applied", labels=["view"])
        lag = GaugeMetricFamily("rekindle_projection_lag",
                                "Events recorded that the view has not applied yet",
                                labels=["view"])
        for row in rows:
            name, at = row[0], int(row[1] or 0)
            position.add_metric([name], at)
            if head is not None:
                lag.add_metric([name], max(0, head - at))
        return [position, lag] if head is not None else [position]

    @staticmethod
    def _consumers(cur: Cursor[Any], handlers: set[str]) -> list[Metric]:
        rows = cur.execute(f"SELECT application_name, notification_id FROM {TRACKING_TABLE}"
                            ).fetchall()
        per_handler: dict[str, int] = {}
        partitions = GaugeMetricFamily(
            "rekindle_consumer_partition_position",
            "Last notification id a Kafka handler processed on one partition",
            labels=["handler", "partition"])
        for row in rows:
            if row[0].startswith("__"):  # the library's (`__migration__`), replays' (parked)
                continue
            handler, partition = split_tracking_name(row[0])
            at = int(row[1] or 0)
            per_handler[handler] = max(per_handler.get(handler, 0), at)
            if partition is not None:
                partitions.add_metric([handler, partition], at)
        handlers.update(per_handler)
        position = GaugeMetricFamily(
            "rekindle_consumer_position",
            "Last notification id the handler processed (with Kafka: the highest over its "
            "partitions)", labels=["handler"])
        for handler, at in sorted(per_handler.items()):
            position.add_metric([handler], at)
        return [position, partitions]

    @staticmethod
    def _parked(cur: Cursor[Any], handlers: set[str]) -> Metric:
        """Every known handler gets a sample, 0 included, so an alert sees a series appear
        rather than go from absent to present."""
        rows = cur.execute(f"SELECT handler, count(*) FROM {PARKED_TABLE} GROUP BY handler"
                            ).fetchall()
        counts = dict.fromkeys(handlers, 0)
        counts.update({row[0]: int(row[1]) for row in rows})
        parked = GaugeMetricFamily("rekindle_parked_messages",
                                   "Messages parked for an operator, by handler",
                                   labels=["handler"])
        for handler, count in sorted(counts.items()):
            parked.add_metric([handler], count)
        return parked

    @staticmethod
    def _relay(cur: Cursor[Any], head: int | None) -> list[Metric]:
        rows = cur.execute(f"SELECT name, position FROM {RELAY_TABLE}").fetchall()
        position = GaugeMetricFamily("rekindle_relay_position",
                                     "Last notification id the broker acknowledged",
                                     labels=["relay"])
        lag = GaugeMetricFamily("rekindle_relay_lag", "Events not yet published to Kafka",
                                labels=["relay"])
        for row in rows:
            name, at = row[0], int(row[1] or 0)
            position.add_metric([name], at)
            if head is not None:
                lag.add_metric([name], max(0, head - at))
        return [position, lag] if head is not None else [position]

