"""An API over a real Runtime (PostgreSQL, projections) on a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.bootstrap import Runtime
from domain.settings import Settings

BOOTSTRAP_TOKEN = "test-bootstrap-token-0123456789"


class Api:
    """A test client that speaks as one user (their bearer token)."""

    def __init__(self, client: FlaskClient, token: str | None, runtime: Runtime) -> None:
        self.client = client
        self.token = token
        self.runtime = runtime

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers(kw.pop("headers", None)),
                                **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(path, json=json, headers=self.headers(kw.pop("headers", None)),
                                 **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def as_user(self, token: str | None) -> Api:
        return Api(self.client, token, self.runtime)

    def new_user(self, role: str, name: str | None = None) -> tuple[str, Api]:
        """Creates a user with that role (as this caller); returns its id and its client."""
        name = name or f"{role} user"
        email = unique_email(role)
        response = self.post("/v1/users", {"name": name, "email": email, "role": role})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        return body["id"], self.as_user(body["token"])


@pytest.fixture(scope="module")
def api_settings(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One database per test module (a fresh one per test costs seconds); tests use unique
    emails and compare ids they created, so they do not depend on each other."""
    dbname = "api_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    params = psycopg.conninfo.conninfo_to_dict(pg_server)
    params["dbname"] = dbname
    yield Settings(data_dir=tmp_path_factory.mktemp("api"), bootstrap_token=BOOTSTRAP_TOKEN,
                   database_url=psycopg.conninfo.make_conninfo(**params))
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture(scope="module")
def runtime(api_settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(api_settings)
    rt.start(projections=True, workers=False)
    yield rt
    rt.stop()


@pytest.fixture(scope="module")
def flask_app(runtime: Runtime) -> Any:
    app = create_app(runtime)
    app.testing = True
    return app


@pytest.fixture
def client(flask_app: Any, runtime: Runtime) -> Api:
    """The bootstrap super_admin."""
    return Api(flask_app.test_client(), BOOTSTRAP_TOKEN, runtime)


@pytest.fixture
def anonymous(flask_app: Any, runtime: Runtime) -> Api:
    return Api(flask_app.test_client(), None, runtime)


def posting(api: Api, state: str = "published", **fields: Any) -> str:
    response = api.post("/v1/postings", {"title": "Backend engineer", "state": state, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def unique_email(name: str = "ann") -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


def candidate(api: Api, email: str | None = None, **fields: Any) -> str:
    email = email or unique_email()
    response = api.post("/v1/candidates", {"name": "Ann Lee", "emails": [email], **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def opportunity(api: Api, candidate_id: str, **fields: Any) -> str:
    response = api.post(f"/v1/candidates/{candidate_id}/opportunities", fields or {"general": True})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]
