"""Read-your-writes in a process that does not run the projections itself.

With Kafka configured, `rekindle serve` runs only the API and `rekindle worker projections`
(or `worker all`) applies the events elsewhere. A GET with `min_position` then waits on each
view's tracking table with the library's `TrackingRecorder.wait`.
"""

from __future__ import annotations

from collections.abc import Sequence
from time import monotonic
from typing import Any

from eventsourcing.persistence import InfrastructureFactory

from projections.database import Database
from projections.runner import APP_NAME, catalog, open_projection


class ProjectionWatch:
    """The `wait` of ProjectionService, for projections running in another process."""

    def __init__(self, database: Database, names: Sequence[str] | None = None) -> None:
        self.database = database
        self.names = names
        self._factories: list[InfrastructureFactory[Any]] = []
        self.views: dict[str, Any] = {}

    def start(self) -> ProjectionWatch:
        for projection_class in catalog(self.names):
            factory, projection = open_projection(self.database, projection_class)
            self._factories.append(factory)
            self.views[projection_class.name] = projection.view
        return self

    def wait(self, position: int | None, timeout: float,
             views: Sequence[str] | None = None) -> bool:
        """True once the named views (all by default) have tracked `position`; False after
        `timeout`."""
        if position is None:
            return True
        deadline = monotonic() + timeout
        for name, view in self.views.items():
            if views is not None and name not in views:
                continue
            try:
                view.wait(APP_NAME, position, timeout=max(0.0, deadline - monotonic()))
            except TimeoutError:
                return False
        return True

    def stop(self) -> None:
        for factory in self._factories:
            factory.close()
        self._factories.clear()
        self.views.clear()
