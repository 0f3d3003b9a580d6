"""Processes starting together on a fresh database (API and workers, as compose starts them)
all come up: their start-up DDL must not race on the catalog."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from api.bootstrap import Runtime
from domain.settings import Settings
from projections.service import ProjectionService


def test_runtimes_and_projection_services_starting_together_all_come_up(
        settings: Settings) -> None:
    """Threads stand in for processes: each opens its own sessions, as a process would."""
    starting = threading.Barrier(6)

    def runtime() -> Runtime:
        starting.wait()
        return Runtime(settings).start(projections=False, workers=False)

    def projections(database_of: Runtime) -> ProjectionService:
        starting.wait()
        return ProjectionService(database_of.database).start()

    plain = [Runtime(settings) for _ in range(2)]
    for rt in plain:
        rt.database.start()
    with ThreadPoolExecutor(6) as pool:
        started = [pool.submit(runtime) for _ in range(4)]
        services = [pool.submit(projections, rt) for rt in plain]
        runtimes = [f.result(timeout=120) for f in started]
        running = [f.result(timeout=120) for f in services]
    try:
        assert all(rt.rekindle is not None for rt in runtimes)
        assert all(service.runners for service in running)
    finally:
        for service in running:
            service.stop()
        for rt in runtimes + plain:
            rt.stop()
