"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so their structure is
checked, and every REKINDLE_* variable they set must be one the code actually reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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
    assert re.search(r"^RUN \S*pip install --no-deps\b.* \.( |$)", dockerfile, re.M)
    for package in ("domain", "projections", "api", "consumers"):
        assert f"COPY {package} " in dockerfile


ATS_VARIABLES = ("REKINDLE_ATS_URL", "REKINDLE_ATS_SECRET", "REKINDLE_ATS_TIMEOUT_S",
                 "REKINDLE_ATS_MAX_ATTEMPTS", "REKINDLE_ATS_LATE_STAGES")
KAFKA_IMAGE_DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw"  # the image's, shared by all who omit it


def mount_target(service: dict, volume: str) -> str:
    targets = [m.split(":")[1] for m in service.get("volumes", []) if m.split(":")[0] == volume]
    assert len(targets) == 1, f"{volume} is not mounted once: {service.get('volumes')}"
    return targets[0]


def test_kafka_keeps_its_log_in_the_mounted_volume() -> None:
    """The image's log folder is /tmp/kraft-combined-logs unless KAFKA_LOG_DIRS says otherwise:
    a volume mounted anywhere else leaves every event of the broker in the container."""
    kafka = compose()["services"]["kafka"]
    assert kafka["environment"].get("KAFKA_LOG_DIRS") == mount_target(kafka, "kafkadata")


def test_the_ats_settings_reach_the_api_and_the_workers() -> None:
    for name in ("api", "workers"):
        env = compose()["services"][name]["environment"]
        for variable in ATS_VARIABLES:
            assert re.fullmatch(r"\$\{" + variable + r"(:-[^}]*)?\}", str(env.get(variable))), \
                f"{name} does not pass {variable} through from the operator's environment"


def test_the_database_password_is_the_operators_and_required() -> None:
    """No password in the file: `${POSTGRES_PASSWORD:?message}` makes compose refuse to start
    with that message while it is unset, for the server and for the URL the services use."""
    services = compose()["services"]
    required = re.compile(r"\$\{POSTGRES_PASSWORD:\?[^}]*\.env[^}]*\}")
    assert required.fullmatch(services["postgres"]["environment"]["POSTGRES_PASSWORD"])
    for name in ("api", "workers"):
        url = services[name]["environment"]["REKINDLE_DATABASE_URL"]
        pattern = r"postgresql://rekindle:" + required.pattern + r"@postgres:5432/rekindle"
        assert re.fullmatch(pattern, url), url
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".env" in ignored, "the operator's .env (the password) could be committed"
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.M), "the example sets no real password"


def start_kafka_as_compose_does(log_dir: Path, tools: Path) -> dict[str, str]:
    """Runs the kafka service's command with bash, as the container would, with stand-ins for
    the image's two programs: `kafka-storage.sh random-uuid` (a fresh id per call) and the
    image's launcher, which formats an empty log folder with CLUSTER_ID as Kafka does."""
    command = compose()["services"]["kafka"]["command"]
    assert command[:2] == ["bash", "-c"]
    assert command[4:] == ["/opt/kafka/bin/kafka-storage.sh", "/etc/kafka/docker/run"]
    assert "$" not in command[2].replace("$$", ""), "a single $ is compose's interpolation"
    script = command[2].replace("$$", "$")  # as compose hands it to the container
    storage = tools / "kafka-storage.sh"
    storage.write_text(f"#!{sys.executable}\nimport base64, sys, uuid\n"
                       "assert sys.argv[1:] == ['random-uuid']\n"
                       "print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip('='))\n")
    launcher = tools / "run"
    launcher.write_text("#!/bin/sh\nset -eu\nmeta=\"$KAFKA_LOG_DIRS/meta.properties\"\n"
                        "[ -f \"$meta\" ] || printf 'version=1\\ncluster.id=%s\\n' \"$CLUSTER_ID\""
                        " > \"$meta\"\n"
                        "echo \"given=$CLUSTER_ID\"\nsed -n 's/^cluster.id=/stored=/p' \"$meta\"\n")
    for tool in (storage, launcher):
        tool.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "KAFKA_LOG_DIRS": str(log_dir)}
    done = subprocess.run(["bash", "-c", script, command[3], str(storage), str(launcher)],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def test_each_deployment_gets_its_own_kafka_cluster_id_and_keeps_it(tmp_path: Path) -> None:
    kafka = compose()["services"]["kafka"]
    assert "CLUSTER_ID" not in kafka["environment"], "one id for every deployment"
    tools, first, other = (tmp_path / name for name in ("tools", "first", "other"))
    for folder in (tools, first, other):
        folder.mkdir()
    started = start_kafka_as_compose_does(first, tools)
    assert started["given"] == started["stored"] != KAFKA_IMAGE_DEFAULT_CLUSTER_ID
    restarted = start_kafka_as_compose_does(first, tools)
    assert restarted == started, "a restart must format nothing anew nor change the id"
    elsewhere = start_kafka_as_compose_does(other, tools)
    assert elsewhere["given"] == elsewhere["stored"] != started["given"]


@pytest.fixture(scope="session")
def compose_tool(request: pytest.FixtureRequest) -> Path:
    """A compose implementation that reads, interpolates and validates the file without an
    engine (`config`): one on PATH, else docker-compose v1 from PyPI in a venv that pytest's
    cache keeps between runs (about 30 s to build on a new machine)."""
    found = shutil.which("docker-compose")
    if found:
        return Path(found)
    venv = request.config.cache.mkdir("docker-compose-v1")
    tool = venv / "bin" / "docker-compose"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        # v1 needs PyYAML < 6, which has no wheel for Python 3.11 and whose source build
        # fails under Cython 3: the build gets the Cython it was written for.
        build_constraints = venv / "build-constraints.txt"
        build_constraints.write_text("cython<3\n")
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "docker-compose==1.29.2"],
                       env={**os.environ, "PIP_CONSTRAINT": str(build_constraints)},
                       check=True, timeout=600)
    return tool


def compose_config(tool: Path, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    """`config` as an operator's shell would run it: only these variables set, no .env."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **variables}
    return subprocess.run([str(tool), "--env-file", str(env_file), "-f",
                           str(ROOT / "docker-compose.yml"), "config"],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_compose_accepts_the_file_and_fills_in_the_operators_settings(
        compose_tool: Path, tmp_path: Path) -> None:
    done = compose_config(compose_tool, tmp_path, POSTGRES_PASSWORD="s3cretHex0123",
                          REKINDLE_ATS_URL="http://ats.invalid", REKINDLE_ATS_MAX_ATTEMPTS="7")
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cretHex0123"
    for name in ("api", "workers"):
        env = services[name]["environment"]
        assert env["REKINDLE_DATABASE_URL"] == \
            "postgresql://rekindle:s3cretHex0123@postgres:5432/rekindle"
        assert env["REKINDLE_ATS_URL"] == "http://ats.invalid"
        assert str(env["REKINDLE_ATS_MAX_ATTEMPTS"]) == "7"
        assert env["REKINDLE_ATS_SECRET"] == ""  # unset: the code's default applies
    assert services["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"


@pytest.mark.slow
def test_compose_refuses_to_start_without_a_database_password(
        compose_tool: Path, tmp_path: Path) -> None:
    done = compose_config(compose_tool, tmp_path)
    assert done.returncode != 0
    assert "POSTGRES_PASSWORD" in done.stderr and ".env" in done.stderr, done.stderr
