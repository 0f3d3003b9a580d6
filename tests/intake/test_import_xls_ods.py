""".xls and .ods imports end to end (through the importer and over HTTP), their cells as the
importer stores them, and files whose content is not what their name says refused."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from api.intake.spreadsheet import open_sheet
from domain.errors import ValidationFailed
from tests.intake.test_import import ROWS, candidate_by_email, run
from tests.intake.test_import_http import upload, wait_done

MAX_BYTES = 10_000_000
HEADER = ["Email", "First name", "Last name", "Mobile", "Tags", "City", "Title", "Website"]
KINDS = [
    HEADER,
    ["kim@example.com", "Kim", "Lee", 447700900123, "a; b", 1.5, True, None],
    [None] * 8,
    ["  lee@example.com ", "Lee", None, 4.4770090012e11, None, date(2024, 3, 1),
     datetime(2024, 3, 1, 9, 30), time(9, 30)],
    [None, None, None, None, None, None, None, "only a link, no email"],
]
EXPECTED = [
    (2, {"email": "kim@example.com", "name": "Kim Lee", "phones": ["447700900123"],
         "tags": ["a", "b"], "location": "1.5", "headline": "True", "links": []}),
    (4, {"email": "lee@example.com", "name": "Lee", "phones": ["447700900120"], "tags": [],
         "location": "2024-03-01 00:00:00", "headline": "2024-03-01 09:30:00",
         "links": ["09:30:00"]}),
    (5, {"phones": [], "tags": [], "links": ["only a link, no email"]}),
]


def read(path: Path, name: str | None = None) -> list[tuple[int, dict]]:
    with open_sheet(path, MAX_BYTES, name) as sheet:
        return list(sheet.rows)


@pytest.mark.parametrize("writer", ["write_xls", "write_ods"])
def test_cells_of_every_kind_read_as_from_an_xlsx(request, writer):
    """Numbers, booleans, dates and times become the text an .xlsx cell of the same value
    gives; an empty row keeps its number."""
    path = request.getfixturevalue(writer)(KINDS)

    assert read(path) == EXPECTED


@pytest.mark.parametrize("writer, file_format", [("write_xls", "xls"), ("write_ods", "ods")])
def test_import_end_to_end(request, app, admin, writer, file_format):
    path = request.getfixturevalue(writer)(ROWS)

    job = run(app, path, admin, tags=["fair"])

    summary = app.imports.job(job.id).summary()
    assert summary["status"] == "done"
    assert (summary["rows_total"], summary["rows_imported"], summary["rows_duplicate"],
            summary["rows_failed"]) == (5, 2, 1, 2)
    assert summary["errors"] == [
        {"row": 3, "field": "email", "message": "is not a valid email address"},
        {"row": 6, "field": "email", "message": "is required"},
    ]
    assert app.imports.job(job.id).file_format == file_format
    grace = candidate_by_email(app, "grace@example.com")
    assert (grace.profile["name"], grace.profile["phones"], grace.profile["location"],
            grace.profile["headline"]) == ("Grace Hopper", ["+1 555 0100"], "Arlington",
                                           "Admiral")
    assert grace.tags == ["fair", "cobol", "navy"]
    assert run(app, path, admin).rows_duplicate == 3  # a second run creates nothing


def test_a_file_in_the_xls_container_that_holds_no_workbook_is_refused(write_xls, tmp_path):
    """A .doc shares the .xls container; here the workbook stream is renamed away."""
    content = write_xls(ROWS).read_bytes()
    stream = "Workbook".encode("utf-16-le")
    assert stream in content
    path = tmp_path / "letter.doc"
    path.write_bytes(content.replace(stream, "Document".encode("utf-16-le")))

    with pytest.raises(ValidationFailed) as refused:
        read(path)
    assert refused.value.details["file"] == [
        "is a damaged .xls file, or another kind of Office file"]


def test_a_zip_that_is_no_workbook_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")

    with pytest.raises(ValidationFailed) as refused:
        read(path)
    assert refused.value.details["file"] == [
        "is a ZIP archive but not an .xlsx or .ods workbook"]


def test_uploads_of_xls_and_ods_and_of_files_whose_content_is_not_what_their_name_says(
        api, write_xls, write_ods, write_xlsx):
    started = upload(api, write_ods(ROWS).read_bytes(), "people.ods", source="Meetup")
    assert started.status_code == 202, started.get_json()
    done = wait_done(api, started.get_json()["id"])
    assert (done["status"], done["rows_imported"], done["rows_failed"]) == ("done", 2, 2)

    before = api.runtime.rekindle.store.recorder.max_notification_id()
    for content, name, message in [
        (b"Email,Name\nkim@example.com,Kim\n", "people.xls",
         "is named .xls but its content is text (CSV)"),
        (write_xls(ROWS).read_bytes(), "people.xlsx",
         "is named .xlsx but its content is an .xls workbook"),
        (write_xlsx(ROWS).read_bytes(), "people.ods",
         "is named .ods but its content is an .xlsx workbook"),
        (write_ods(ROWS).read_bytes(), "people.csv",
         "is named .csv but its content is an .ods spreadsheet"),
    ]:
        response = upload(api, content, name)
        assert response.status_code == 422, response.get_json()
        body = response.get_json()
        assert body["error"] == "validation_error"
        assert body["details"] == {"file": [message]}
    assert api.runtime.rekindle.store.recorder.max_notification_id() == before

    # a name that says nothing of the format leaves the decision to the content
    started = upload(api, write_xls([["Email", "Name"], ["zoe@example.com", "Zoe"]])
                     .read_bytes(), "export")
    assert wait_done(api, started.get_json()["id"])["rows_imported"] == 1
