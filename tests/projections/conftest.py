"""Fixtures for the read side: a running ProjectionService on the test's database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.database import Database
from projections.runner import ProjectionService


@pytest.fixture
def service(database: Database) -> Iterator[ProjectionService]:
    svc = ProjectionService(database).start()
    yield svc
    svc.stop()
