"""The `rekindle` command on the embedded default: the database's lifecycle and the first users."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.live import REPO, LiveServer


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data folder the embedded server's own user (`pgserver` when run as root) may enter."""
    folder = Path(tempfile.mkdtemp(prefix="rekindle-cli-"))
    folder.chmod(0o755)
    yield folder / "data"
    rekindle(folder / "data", "db", "stop")


def rekindle(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REKINDLE_DATA_DIR": str(data_dir)}
    env.pop("REKINDLE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_db_start_status_psql_and_stop(data_dir: Path) -> None:
    before = rekindle(data_dir, "db", "status")
    assert before.returncode == 1 and "not running" in before.stdout

    assert rekindle(data_dir, "db", "start").returncode == 0
    running = rekindle(data_dir, "db", "status")
    assert running.returncode == 0 and running.stdout.startswith("running")
    query = rekindle(data_dir, "db", "psql", "-tAc", "SELECT count(*) FROM rekindle.email_claims")
    assert query.returncode == 0 and query.stdout.strip() == "0"

    assert rekindle(data_dir, "db", "stop").stdout.strip() == "stopped"
    assert rekindle(data_dir, "db", "status").returncode == 1


def test_users_create_prints_a_token_that_the_api_accepts(data_dir: Path) -> None:
    made = rekindle(data_dir, "users", "create", "--name", "Ann Admin",
                    "--email", "ann@example.com", "--role", "admin")
    assert made.returncode == 0, made.stderr
    lines = dict(line.split(" ", 1) for line in made.stdout.splitlines())
    assert "Ann" not in made.stderr  # no personal data in the logs

    refused = rekindle(data_dir, "users", "create", "--name", "X", "--email", "x@example.com",
                       "--role", "emperor")
    assert refused.returncode == 2 and "emperor" in refused.stderr

    server = LiveServer("", data_dir)
    server.env_extra = {"REKINDLE_DATABASE_URL": ""}
    server.start()
    try:
        me = server.request("GET", f"/v1/users/{lines['user']}", token=lines["token"])
        assert me.status == 200 and me.json()["role"] == "admin"
        assert server.request("GET", "/v1/postings", token=lines["token"] + "x").status == 401
    finally:
        server.stop()


def test_a_bad_setting_stops_the_command_with_one_line_per_variable(tmp_path: Path) -> None:
    env = {**os.environ, "REKINDLE_DATA_DIR": str(tmp_path), "REKINDLE_MAX_JSON_BYTES": "-1",
           "REKINDLE_CONSENT_DEADLINE_DAYS": "abc",
           "REKINDLE_SMTP_URL": "http://ann:smtp-secret@mail.example.com"}
    ran = subprocess.run([sys.executable, "-m", "api.cli", "serve"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr and "smtp-secret" not in ran.stderr
    assert sorted(ran.stderr.splitlines()) == [
        "Error: REKINDLE_CONSENT_DEADLINE_DAYS: expected an integer >= 1, got 'abc'",
        "Error: REKINDLE_MAX_JSON_BYTES: expected an integer >= 1, got '-1'",
        "Error: REKINDLE_SMTP_URL: expected smtp://host:port, "
        "smtp+starttls://user:password@host:587 or smtps://user:password@host:465 "
        "(the scheme is 'http')",
    ]
    assert not (tmp_path / "pgdata").exists()  # refused before starting anything


def test_version_names_the_installed_package() -> None:
    from importlib.metadata import version

    ran = subprocess.run([sys.executable, "-m", "api.cli", "--version"], cwd=REPO,
                         capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 0 and ran.stdout.strip() == f"rekindle {version('rekindle')}"


def test_rebuild_help_names_every_projection() -> None:
    from projections.catalog import projections

    ran = subprocess.run([sys.executable, "-m", "api.cli", "projections", "rebuild", "--help"],
                         cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 0, ran.stderr
    names = [projection.name for projection in projections()]
    assert names and f"NAMES: {', '.join(names)}" in " ".join(ran.stdout.split())
