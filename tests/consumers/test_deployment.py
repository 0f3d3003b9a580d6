"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so their structure is
checked, and every REKINDLE_* variable they set must be one the code actually reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("domain", "projections", "api", "consumers")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def variables_the_code_reads() -> set[str]:
    names: set[str] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"[\"'](REKINDLE_[A-Z0-9_]+)[\"']", path.read_text()))
    return names


def test_compose_runs_postgres_kafka_api_and_workers_with_health_checks() -> None:
    services = compose()["services"]
    assert set(services) >= {"postgres", "kafka", "api", "workers"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert services["api"]["command"][:2] == ["rekindle", "serve"]
    assert "0.0.0.0" in services["api"]["command"]
    assert services["workers"]["command"][:3] == ["rekindle", "worker", "all"]
    assert "projections" not in services["workers"]["command"]  # serve on Kafka: API only
    for name in ("api", "workers"):
        assert services[name]["build"] == "."
        for dependency in ("postgres", "kafka"):
            assert services[name]["depends_on"][dependency]["condition"] == "service_healthy"


def test_every_rekindle_variable_compose_sets_is_read_by_the_code() -> None:
    read = variables_the_code_reads()
    assert {"REKINDLE_DATABASE_URL", "REKINDLE_KAFKA_BOOTSTRAP"} <= read
    for name in ("api", "workers"):
        env = compose()["services"][name]["environment"]
        assert env["REKINDLE_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["REKINDLE_DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in env["REKINDLE_DATABASE_URL"]
        unknown = {k for k in env if k.startswith("REKINDLE_")} - read
        assert not unknown, f"{name} sets variables no code reads: {sorted(unknown)}"


def test_dockerfile_builds_the_package_on_python_311_slim() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert re.search(r"^RUN pip install \.", dockerfile, re.M)
    for package in ("domain", "projections", "api", "consumers"):
        assert f"COPY {package} " in dockerfile
