"""Spreadsheet builders for the intake tests."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

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
def write_xls(tmp_path: Path) -> Callable[..., Path]:
    """An .xls (BIFF8) written by xlwt; dates and times get a number format, as Excel's do."""
    def write(rows: Iterable[Iterable[Any]], name: str = "people.xls") -> Path:
        import xlwt

        formats = {datetime: xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS"),
                   date: xlwt.easyxf(num_format_str="YYYY-MM-DD"),
                   time: xlwt.easyxf(num_format_str="HH:MM:SS")}
        workbook = xlwt.Workbook()
        sheet = workbook.add_sheet("Candidates")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value, formats.get(type(value), xlwt.Style.default_style))
        path = tmp_path / name
        workbook.save(str(path))
        return path

    return write


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
ODS_MANIFEST = ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path='
                '"/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
                '"text/xml"/></manifest:manifest>')


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        kind = f'"boolean" office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, int | float):
        kind = f'"float" office:value="{value!r}"'
    elif isinstance(value, date):
        kind = f'"date" office:date-value="{value.isoformat()}"'
    elif isinstance(value, time):
        kind = f'"time" office:time-value="{value.strftime("PT%HH%MM%SS")}"'
    else:
        return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
                "</text:p></table:table-cell>")
    return f"<table:table-cell office:value-type={kind}/>"


@pytest.fixture
def write_ods(tmp_path: Path) -> Callable[..., Path]:
    """A minimal .ods written with zipfile, empty rows and cells run-length encoded and the
    sheet padded to its last row and 1,024 columns, as LibreOffice saves it."""
    def write(rows: Iterable[Iterable[Any]], name: str = "people.ods") -> Path:
        empty = '<table:table-cell table:number-columns-repeated="1024"/>'
        body = []
        for row in rows:
            row = list(row)
            if not any(v is not None for v in row):
                body.append(f'<table:table-row table:number-rows-repeated="1">{empty}'
                            "</table:table-row>")
            else:
                body.append(f"<table:table-row>{''.join(map(_ods_cell, row))}"
                            f"</table:table-row>")
        body.append(f'<table:table-row table:number-rows-repeated="1048000">{empty}'
                    "</table:table-row>")
        content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} '
                   'office:version="1.2"><office:body><office:spreadsheet>'
                   f'<table:table table:name="Candidates">{"".join(body)}</table:table>'
                   "</office:spreadsheet></office:body></office:document-content>")
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo("mimetype"),
                             "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
            archive.writestr("content.xml", content)
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
