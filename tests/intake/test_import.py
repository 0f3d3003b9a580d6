"""Spreadsheet import against real PostgreSQL: good, bad and duplicate rows, re-runs,
header synonyms, refused files and a 20,000-row workbook."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from api.bootstrap import command_service
from api.intake.importer import prepare_import
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import ValidationFailed
from domain.import_job import ImportJob
from domain.pool import Pool
from domain.service import Rekindle


def run(app: Rekindle, path: Path, by: Actor, **options) -> ImportJob:
    return prepare_import(app, path, by, **options).run()


def candidate_by_email(app: Rekindle, email: str) -> Candidate:
    found = app.candidates.find_by_email(email)
    assert found is not None, email
    return app.store.load(Candidate, found)


ROWS = [
    ["Name", "Email", "Phone", "Tags", "Location", "Title"],
    ["Grace Hopper", "grace@example.com", "+1 555 0100", "cobol; navy", "Arlington", "Admiral"],
    ["No Mail", "not-an-email", "", "", "", ""],
    ["Alan Turing", "alan@example.com", "", "crypto,math", "", ""],
    ["Grace Again", "GRACE@example.com", "", "", "", ""],
    ["Missing Mail", "", "", "", "", ""],
]


def test_csv_imports_good_rows_and_reports_bad_and_duplicate_ones(app, admin, write_csv):
    job = run(app, write_csv(ROWS), admin, tags=["spring-fair"])

    summary = app.imports.job(job.id).summary()
    assert summary["status"] == "done"
    assert (summary["rows_total"], summary["rows_imported"], summary["rows_duplicate"],
            summary["rows_failed"]) == (5, 2, 1, 2)
    assert summary["errors"] == [
        {"row": 3, "field": "email", "message": "is not a valid email address"},
        {"row": 6, "field": "email", "message": "is required"},
    ]
    assert "not-an-email" not in str(summary)
    grace = candidate_by_email(app, "grace@example.com")
    assert grace.profile["name"] == "Grace Hopper"
    assert grace.profile["phones"] == ["+1 555 0100"]
    assert grace.profile["location"] == "Arlington"
    assert grace.profile["headline"] == "Admiral"
    assert grace.tags == ["spring-fair", "cobol", "navy"]
    assert grace.sources == ["Excel import"]
    assert candidate_by_email(app, "alan@example.com").tags == ["spring-fair", "crypto", "math"]


def test_importing_the_same_file_twice_creates_nothing_the_second_time(app, admin, write_xlsx):
    path = write_xlsx(ROWS)
    first = run(app, path, admin)
    position_after_first = app.store.recorder.max_notification_id()
    second = run(app, path, admin)

    assert app.imports.job(first.id).rows_imported == 2
    again = app.imports.job(second.id)
    assert (again.rows_imported, again.rows_duplicate, again.rows_failed) == (0, 3, 2)
    created = [n for n in app.store.recorder.select_notifications(start=position_after_first + 1,
                                                            limit=100)
               if n.topic.endswith("CandidateCreated")]
    assert created == []


def test_header_synonyms_first_and_last_name_pool_and_source(app, admin, write_csv):
    from uuid import uuid4

    pool = app.store.load(Pool, app.pools.create("Silver", admin).id)
    path = write_csv([
        ["First name", "Last Name", "E-Mail Address", "Mobile", "Tags", "Source", "LinkedIn"],
        ["Ada", "Lovelace", "ada.l@example.com", "0170 1234", "math", "Berlin meetup",
         "https://linkedin.com/in/ada"],
    ], delimiter=";")
    job = run(app, path, admin, pool_id=pool.id, source="Recruiter Kim")

    assert app.imports.job(job.id).rows_imported == 1
    ada = candidate_by_email(app, "ada.l@example.com")
    assert ada.profile["name"] == "Ada Lovelace"
    assert ada.profile["phones"] == ["0170 1234"]
    assert ada.profile["links"] == ["https://linkedin.com/in/ada"]
    assert ada.sources == ["Berlin meetup"]
    assert ada.pool_ids == [pool.id]
    with pytest.raises(ValidationFailed) as refused:
        prepare_import(app, path, admin, pool_id=uuid4())
    assert "pool_id" in refused.value.details


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"%PDF-1.7 binary\x00\x01", "neither a CSV file nor an .xlsx, .xls or .ods workbook"),
    (b"PK\x03\x04not really a zip", "damaged .xlsx or .ods file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "damaged .xls file"),
    (b"Name,Phone\nGrace,123\n", "no email column"),
    (b"Email\n", "no rows below the header"),
])
def test_bad_files_are_refused_before_anything_is_imported(app, admin, tmp_path, content,
                                                           message):
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    before = app.store.recorder.max_notification_id()
    with pytest.raises(ValidationFailed) as refused:
        prepare_import(app, path, admin)
    assert message in refused.value.details["file"][0]
    assert app.store.recorder.max_notification_id() == before


def test_a_file_over_the_size_limit_is_refused(database, admin, write_csv):


    small = command_service(database, database.settings.replace(max_import_bytes=50))
    try:
        path = write_csv(ROWS)
        with pytest.raises(ValidationFailed) as refused:
            prepare_import(small, path, admin)
        assert "larger than 50 bytes" in refused.value.details["file"][0]
    finally:
        small.close()


def test_twenty_thousand_row_workbook(app, admin, write_xlsx):
    rows = [["Name", "Email", "Tags"]]
    rows += [[f"Person {i}", f"person{i}@example.com", "bulk"] for i in range(20_000)]
    path = write_xlsx(rows, "big.xlsx")
    progress: list[int] = []

    started = time.perf_counter()
    job = prepare_import(app, path, admin).run(progress=progress.append)
    elapsed = time.perf_counter() - started

    summary = app.imports.job(job.id).summary()
    assert (summary["status"], summary["rows_imported"], summary["rows_failed"]) == (
        "done", 20_000, 0)
    assert progress == list(range(500, 20_001, 500))
    assert candidate_by_email(app, "person19999@example.com").tags == ["bulk"]
    print(f"imported 20,000 rows in {elapsed:.1f} s: {20_000 / elapsed:,.0f} rows/s")


def test_bad_and_repeated_rows_across_batches_of_a_large_workbook(app, admin, write_xlsx):
    """Batches are recorded while the next is prepared: a bad row fails alone with its row
    number, an email repeated 1,000 rows later is a duplicate, a claim left by a candidate
    that was never recorded is taken over, and a re-run creates nothing."""
    from uuid import uuid4

    rows = [["Name", "Email"]]
    rows += [[f"Person {i}", f"batch{i}@example.com"] for i in range(1_500)]
    rows[700][1] = "broken-address"  # spreadsheet row 701
    rows[1_200][1] = "BATCH3@example.com"  # row 1201 repeats row 5 in another batch
    app.adapters.emails.claim("batch42@example.com", uuid4())  # a crash left this claim
    path = write_xlsx(rows, "batches.xlsx")

    first = app.imports.job(run(app, path, admin).id)
    assert (first.rows_imported, first.rows_duplicate, first.rows_failed) == (1_498, 1, 1)
    assert first.errors == [{"row": 701, "field": "email",
                             "message": "is not a valid email address"}]
    assert candidate_by_email(app, "batch42@example.com").profile["name"] == "Person 42"
    assert candidate_by_email(app, "batch3@example.com").profile["name"] == "Person 3"

    position = app.store.recorder.max_notification_id()
    again = app.imports.job(run(app, path, admin).id)
    assert (again.rows_imported, again.rows_duplicate, again.rows_failed) == (0, 1_499, 1)
    created = [n for n in app.store.recorder.select_notifications(start=position + 1, limit=1_000)
               if n.topic.endswith("CandidateCreated")]
    assert created == []


def test_a_claim_still_held_by_an_anonymized_candidate_does_not_block_the_import(app, admin,
                                                                                 write_csv):
    gone = app.candidates.create("Gone Person", ["gone@example.com"], admin).id
    app.consent.anonymize(gone, "request", admin)
    app.adapters.emails.claim("gone@example.com", gone)  # as if erasure stopped half-way

    job = app.imports.job(run(app, write_csv([["Email", "Name"],
                                             ["gone@example.com", "Back Again"]]), admin).id)

    assert (job.rows_imported, job.rows_duplicate) == (1, 0)
    assert candidate_by_email(app, "gone@example.com").profile["name"] == "Back Again"
