"""Spreadsheet builders for the intake tests."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.bootstrap import Runtime
from domain.settings import Settings
from tests.api.conftest import BOOTSTRAP_TOKEN, Api
from tests.fake_ats import FakeAts

ATS_SECRET = "ats-shared-secret"


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: Iterable[Iterable[Any]], name: str = "people.csv",
              delimiter: str = ",") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, delimiter=delimiter).writerows(rows)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: Iterable[Iterable[Any]], name: str = "people.xlsx") -> Path:
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("Candidates")
        for row in rows:
            sheet.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def fake_ats() -> Iterator[FakeAts]:
    ats = FakeAts().start()
    yield ats
    ats.stop()


@pytest.fixture
def ats_runtime(settings: Settings, fake_ats: FakeAts) -> Iterator[Runtime]:
    """A runtime whose ATS is the fake one: short timeout, three attempts, a shared secret."""
    rt = Runtime(settings.replace(bootstrap_token=BOOTSTRAP_TOKEN,
                                  ats_url=fake_ats.url, ats_secret=ATS_SECRET,
                                  ats_timeout_s=0.5, ats_max_attempts=3))
    rt.start(projections=True, workers=False)
    yield rt
    rt.stop()


@pytest.fixture
def api(ats_runtime: Runtime) -> Api:
    """The bootstrap super_admin, over HTTP (Flask's test client)."""
    flask_app = create_app(ats_runtime)
    flask_app.testing = True
    return Api(flask_app.test_client(), BOOTSTRAP_TOKEN, ats_runtime)
