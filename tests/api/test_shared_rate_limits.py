"""Rate limits are one budget per client address whichever process answers: two apps over two
Runtimes (two pools, as two processes have) on one database spend the same budget. The
address comes from X-Forwarded-For only behind REKINDLE_TRUSTED_PROXIES proxies."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from api.app import create_app
from api.bootstrap import Runtime
from domain.settings import Settings
from projections.rate_limits import SharedLimiter, purge_idle
from tests.api.conftest import BOOTSTRAP_TOKEN, Api, unique_email

LIMIT = 3


@contextmanager
def process(settings: Settings, name: str, **changes: Any) -> Iterator[Api]:
    """An API as another process would run it: its own Runtime and its own connection pool
    (the pools are per connection string), on the same database."""
    params = psycopg.conninfo.conninfo_to_dict(settings.database_url)
    params["application_name"] = name
    settings = settings.replace(database_url=psycopg.conninfo.make_conninfo(**params),
                                form_rate_limit_per_minute=LIMIT,
                                auth_failure_limit_per_minute=LIMIT, **changes)
    runtime = Runtime(settings).start(projections=False, workers=False)
    try:
        app = create_app(runtime)
        app.testing = True
        yield Api(app.test_client(), None, runtime)
    finally:
        runtime.stop()


@pytest.fixture
def two(api_settings: Settings, runtime: Runtime) -> Iterator[tuple[Api, Api]]:
    """Two more processes beside the module's (whose projections they read)."""
    with process(api_settings, "first") as first, process(api_settings, "second") as second:
        yield first, second


@pytest.fixture
def proxied(api_settings: Settings, runtime: Runtime) -> Iterator[Api]:
    with process(api_settings, "proxied", trusted_proxies=1) as api:
        yield api


def new_form(api: Api) -> str:
    response = api.as_user(BOOTSTRAP_TOKEN).post("/v1/forms", {"title": "Join us"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def submit(api: Api, form_id: str, **environ: str) -> int:
    return api.post(f"/v1/forms/{form_id}/submissions",
                    {"name": "P", "email": unique_email("p"), "consent": False},
                    environ_base=environ).status_code


def failed_login(api: Api, **environ: str) -> Any:
    return api.as_user("wrong").get("/v1/candidates", environ_base=environ)


def test_two_processes_share_one_form_budget_per_address(two: tuple[Api, Api]) -> None:
    first, second = two
    form_id = new_form(first)
    visitor = {"REMOTE_ADDR": "192.0.2.10"}
    codes = [submit(api, form_id, **visitor) for api in (first, second) * LIMIT]
    assert codes == [202] * LIMIT + [429] * LIMIT
    limited = second.post(f"/v1/forms/{form_id}/submissions",
                          {"name": "P", "email": unique_email("p"), "consent": False},
                          environ_base=visitor)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert submit(first, form_id, REMOTE_ADDR="192.0.2.11") == 202  # another address's own


def test_two_processes_share_one_failed_authentication_budget(two: tuple[Api, Api]) -> None:
    first, second = two
    office = {"REMOTE_ADDR": "192.0.2.20"}
    codes = [failed_login(api, **office).status_code for api in (first, second) * LIMIT]
    assert codes == [401] * LIMIT + [429] * LIMIT
    assert failed_login(first, **office).headers["Retry-After"] == "60"
    # a valid token from that address is never refused, in either process
    for api in (first, second):
        assert api.as_user(BOOTSTRAP_TOKEN).get("/v1/candidates",
                                                environ_base=office).status_code == 200


def test_behind_a_trusted_proxy_the_budget_follows_x_forwarded_for(proxied: Api) -> None:
    form_id = new_form(proxied)
    proxy = "10.0.0.5"

    def via_proxy(client: str, forged: str | None = None) -> int:
        chain = f"{forged}, {client}" if forged else client
        return submit(proxied, form_id, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=chain)

    assert [via_proxy("198.51.100.1") for _ in range(LIMIT + 1)] == [202] * LIMIT + [429]
    # another client behind the same proxy has a budget of its own
    assert via_proxy("198.51.100.2") == 202
    # what the client itself put in front of the chain is not trusted: the proxy's entry counts
    assert via_proxy("198.51.100.1", forged="203.0.113.99") == 429


def test_without_trusted_proxies_a_forged_x_forwarded_for_changes_nothing(
        two: tuple[Api, Api]) -> None:
    first, _ = two
    form_id = new_form(first)
    codes = [submit(first, form_id, REMOTE_ADDR="192.0.2.30",
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{i}") for i in range(LIMIT + 2)]
    assert codes == [202] * LIMIT + [429, 429]
    assert [failed_login(first, REMOTE_ADDR="192.0.2.31",
                         HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
            for i in range(LIMIT + 1)] == [401] * LIMIT + [429]


def test_idle_addresses_are_purged_and_busy_ones_kept(runtime: Runtime) -> None:
    pool = runtime.database.pool
    limiter = SharedLimiter(pool, "test", 2)
    assert limiter.admit("192.0.2.40") and limiter.admit("192.0.2.41")
    with pool.connection() as conn:
        conn.execute("UPDATE rekindle.rate_limit_hits SET hits = ARRAY[now() - interval '2 "
                     "minutes'], last_hit = now() - interval '2 minutes' "
                     "WHERE budget = 'test' AND address = '192.0.2.40'")
    assert purge_idle(pool) >= 1
    with pool.connection() as conn:
        left = {row[0] for row in conn.execute(
            "SELECT address FROM rekindle.rate_limit_hits WHERE budget = 'test'")}
    assert left == {"192.0.2.41"}
    assert limiter.admit("192.0.2.41") and not limiter.admit("192.0.2.41")
    assert limiter.blocked("192.0.2.41") and not limiter.blocked("192.0.2.40")


def test_concurrent_hits_never_take_more_than_the_budget(runtime: Runtime) -> None:
    """Twelve hits at once from one address, through two pools, against a budget of five."""
    with ConnectionPool(runtime.settings.database_url, min_size=6, max_size=6,
                        kwargs={"autocommit": True}) as other:
        limiters = [SharedLimiter(pool, "burst", 5) for pool in (runtime.database.pool, other)]
        with ThreadPoolExecutor(12) as workers:
            admitted = list(workers.map(lambda i: limiters[i % 2].admit("192.0.2.60"),
                                        range(12)))
        assert admitted.count(True) == 5
        assert limiters[1].blocked("192.0.2.60")
