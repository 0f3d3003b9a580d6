"""The read side's collector: positions from PostgreSQL, nothing for tables not made yet, and
never an exception when the database cannot be read."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool

from domain.actor import Actor
from domain.service import Rekindle
from projections.database import Database
from projections.metrics import ReadSideCollector, split_tracking_name


def samples(collector: ReadSideCollector) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in collector.collect() for s in family.samples}


def test_a_fresh_database_gives_no_position_and_no_error(database: Database) -> None:
    found = samples(ReadSideCollector(lambda: database.pool))
    assert found == {("rekindle_metrics_database_up", ()): 1,
                     ("rekindle_metrics_scrape_errors_total", ()): 0}


def test_positions_of_the_log_and_of_in_process_and_kafka_consumers(
        database: Database, app: Rekindle) -> None:
    app.candidates.create("Pat Position", ["pat.position@example.com"], Actor.system())
    head = app.store.recorder.max_notification_id()
    recorder: Any = app.store.recorder
    with database.pool.connection() as conn:
        conn.execute(f"INSERT INTO {recorder.tracking_table_name} VALUES "
                     "('automation', %s), ('ats:p0', 1), ('ats:p3', %s)", (head, head))
    found = samples(ReadSideCollector(lambda: database.pool, views=lambda: ["profiles"]))
    assert found[("rekindle_event_log_head", ())] == head
    assert found[("rekindle_consumer_position", (("handler", "automation"),))] == head
    assert found[("rekindle_consumer_position", (("handler", "ats"),))] == head
    assert found[("rekindle_consumer_partition_position",
                  (("handler", "ats"), ("partition", "0")))] == 1
    assert not any(labels and dict(labels).get("handler", "").startswith("__")
                   for _, labels in found)
    assert not any(name.startswith("rekindle_projection") for name, _ in found)


def test_a_closed_pool_is_counted_as_a_scrape_error_not_raised(database: Database) -> None:
    pool = ConnectionPool(database.conninfo, min_size=1, open=True)
    pool.close()
    collector = ReadSideCollector(lambda: pool)
    for errors in (1, 2):
        assert samples(collector) == {("rekindle_metrics_database_up", ()): 0,
                                      ("rekindle_metrics_scrape_errors_total", ()): errors}


def test_tracking_names_split_into_handler_and_partition() -> None:
    assert split_tracking_name("ats:p3") == ("ats", "3")
    assert split_tracking_name("automation") == ("automation", None)
    assert split_tracking_name("odd:pname") == ("odd:pname", None)
