"""Unit tests run without a database: any attempt to reach PostgreSQL fails the test."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from domain.actor import Actor
from domain.service import Rekindle
from tests.unit.fakes import in_memory


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a unit test reached for PostgreSQL")

    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setattr(psycopg.Connection, "connect", refuse)


@pytest.fixture
def app() -> Iterator[Rekindle]:
    service = in_memory()
    yield service
    service.close()


@pytest.fixture
def admin(app: Rekindle) -> Actor:
    created = app.users.create("Ada Admin", "ada@example.com", "super_admin", Actor.system())
    return Actor(created.id, "super_admin")


def user(app: Rekindle, admin: Actor, role: str, name: str = "Someone") -> Actor:
    created = app.users.create(name, f"{name.lower().replace(' ', '.')}.{role}@example.com",
                               role, admin)
    return Actor(created.id, role)
