"""POST /v1/imports and GET /v1/imports/{id} over HTTP, and `rekindle import` from the shell."""

from __future__ import annotations

import io
import os
import threading

from tests.intake.test_import import ROWS


def wait_done(api, import_id: str) -> dict:
    """Joins the background import's thread, then reads the job over HTTP, as of then."""
    for thread in threading.enumerate():
        if thread.name == f"import-{import_id}":
            thread.join(timeout=60)
    position = api.runtime.rekindle.store.recorder.max_notification_id()
    return api.get(f"/v1/imports/{import_id}?min_position={position}").get_json()


def upload(api, content: bytes, name: str = "people.csv", **form) -> object:
    return api.client.post("/v1/imports", data={"file": (io.BytesIO(content), name), **form},
                           headers=api.headers(), content_type="multipart/form-data")


def test_upload_runs_in_the_background_and_reports_progress(api, write_xlsx):
    content = write_xlsx(ROWS).read_bytes()
    response = upload(api, content, "people.xlsx", tags="fair, 2026", source="Recruiter Kim")
    assert response.status_code == 202, response.get_json()
    started = response.get_json()
    assert started["status"] == "running"

    done = wait_done(api, started["id"])
    assert done["status"] == "done"
    assert (done["rows_total"], done["rows_imported"], done["rows_duplicate"],
            done["rows_failed"]) == (5, 2, 1, 2)
    assert {"row": 3, "field": "email", "message": "is not a valid email address"} in \
        done["errors"]
    grace = api.runtime.rekindle.candidates.find_by_email("grace@example.com")
    position = api.runtime.rekindle.store.recorder.max_notification_id()
    profile = api.get(f"/v1/candidates/{grace}?min_position={position}").get_json()
    assert profile["sources"] == ["Recruiter Kim"]
    assert profile["tags"][:2] == ["fair", "2026"]


def test_bad_uploads_are_422_and_import_nothing(api):
    before = api.runtime.rekindle.store.recorder.max_notification_id()
    for content in (b"", b"\x00\x01binary", b"Name;Phone\nA;1\n"):
        response = upload(api, content)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"] == "validation_error"
        assert "file" in response.get_json()["details"]
    assert api.runtime.rekindle.store.recorder.max_notification_id() == before


def test_roles_auditor_reads_but_does_not_upload(api):
    started = upload(api, b"Email,Name\nkim@example.com,Kim\n").get_json()
    _, auditor = api.new_user("auditor")
    assert upload(auditor, b"Email,Name\nlee@example.com,Lee\n").status_code == 403
    assert wait_done(auditor, started["id"])["rows_imported"] == 1
    assert api.as_user(None).get(f"/v1/imports/{started['id']}").status_code == 401
    assert api.get("/v1/imports/00000000-0000-0000-0000-000000000001").status_code == 404


def test_cli_import_reports_counts_and_refuses_bad_files(settings, write_csv, tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "REKINDLE_DATABASE_URL": settings.database_url,
           "REKINDLE_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "api.cli", "import"]
    done = subprocess.run([*command, str(write_csv(ROWS)), "--tags", "cli"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "2 imported, 1 duplicate, 2 failed" in done.stdout
    assert "row 3: email is not a valid email address" in done.stderr

    bad = tmp_path / "notes.csv"
    bad.write_text("Name,Phone\nA,1\n")
    refused = subprocess.run([*command, str(bad)], env=env, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 1
    assert "no email column" in refused.stderr
