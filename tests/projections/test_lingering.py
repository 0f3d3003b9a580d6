"""Under steady writes, views that no 201 answer reads (analytics, crm, erasures) apply in
bigger, later batches; whoever waits for one has it applied at once, and nobody waits for a
view their route does not read."""

from __future__ import annotations

import pytest

from projections.service import ProjectionService
from tests.projections.conftest import MINE
from tests.waiting import wait_until


def _write(app, admin, n: int) -> int:
    return app.candidates.create(f"Lena Linger {n}", [f"lena{n}@example.com"], admin).position


def test_a_lingering_view_waits_but_is_applied_at_once_for_whoever_waits_for_it(
        app, admin, database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "settings", database.settings.replace(projection_linger_s=60.0))
    with ProjectionService(database, MINE).start() as service:
        assert service.wait(_write(app, admin, 1), 10)  # a first write after a quiet spell
        second = _write(app, admin, 2)

        assert service.wait(second, 10, views=["profiles"])  # what a 201 answer reads
        analytics = service.runners["analytics"].projection
        assert analytics.lingers and analytics.committed_position < second  # still lingering

        assert service.wait(second, 10, views=["analytics"])  # demanded: well before 60 s
        assert {s["name"]: s["position"] for s in service.status()}["analytics"] >= second


def test_a_lingering_view_catches_up_by_itself_when_its_linger_is_over(
        app, admin, database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "settings", database.settings.replace(projection_linger_s=0.3))
    with ProjectionService(database, MINE).start() as service:
        assert service.wait(_write(app, admin, 1), 10)
        last = max(_write(app, admin, n) for n in range(2, 6))
        analytics = service.runners["analytics"].projection
        wait_until(lambda: analytics.committed_position >= last, 10,
                   "analytics to apply the writes without anyone waiting for it")


@pytest.mark.parametrize("module", ["queries", "crm_queries"])
def test_each_query_module_waits_for_every_view_whose_tables_it_reads(module: str) -> None:
    """Read-your-writes waits only for `VIEWS`: a table read from another view would be
    answered before that view caught up."""
    import importlib
    import inspect
    import re

    from projections.catalog import projections

    queries = importlib.import_module(f"projections.{module}")
    owner = {table: p.name for p in projections()
             for table in (*p.view_class.tables, *p.view_class.views)}
    read = set(re.findall(r"read\.(\w+)", inspect.getsource(queries)))
    assert read, "no read-model tables found"
    assert {owner[t] for t in read if t in owner} <= set(queries.VIEWS)
    assert read <= set(owner), f"tables of no projection: {read - set(owner)}"
