"""One live `rekindle serve` per module: hostile input is sent over a real socket, as an
attacker would, and the event store is read directly to show nothing was recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.live import LiveServer, live_server

ATS_SECRET = "ats-shared-secret-for-tests"


@pytest.fixture(scope="module")
def live(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = Path(tmp_path_factory.mktemp("serve"))
    with live_server(pg_server, data_dir,
                     REKINDLE_ATS_SECRET=ATS_SECRET,
                     REKINDLE_MAX_FILE_BYTES="65536",
                     REKINDLE_FORM_RATE_LIMIT="100000",
                     REKINDLE_AUTH_FAILURE_LIMIT="100000") as server:
        yield server
