"""One function per figure; each returns its numbers, or {"skipped": why} when its part is
missing. Numbers come only from work that was checked to have happened."""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from api.bench import baselines, data, empty_route
from api.bench.harness import BenchEnv, Sizes, latency_ms, rate, ratio
from api.bench.serving import Client, Server
from domain.actor import Actor
from domain.settings import Settings
from domain.user import parse_token

CLIENTS = 16


def admin_actor(env: BenchEnv) -> Actor:
    return Actor(parse_token(env.token)[0], "super_admin")


class ApiSession:
    """A served database shared by api_write and candidate_history."""

    def __init__(self, env: BenchEnv) -> None:
        self.env = env
        self.settings = env.fresh_settings("api")
        self.server = Server(self.settings, env.root / "serve.log")

    def __enter__(self) -> ApiSession:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def _expect(status: int, body: Any, wanted: int, what: str) -> Any:
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status} {body!r:.300}")
    return body


def _candidate(n: int) -> dict[str, Any]:
    return {"name": f"Client Candidate {n}",
            "emails": [f"client{n}-{uuid.uuid4().hex[:6]}@example.com"],
            "tags": ["python"], "sources": ["LinkedIn"]}


def silver_medallist_flow(client: Client, n: int) -> list[float]:
    """Create a candidate, a general opportunity, then a second one that copies from the first
    and archives it (the copy-and-archive flow): three commands, each timed."""
    status, body, took = client.call("POST", "/v1/candidates", _candidate(n))
    cid = _expect(status, body, 201, "create candidate")["id"]
    timings = [took]
    status, body, took = client.call("POST", f"/v1/candidates/{cid}/opportunities",
                                     {"general": True, "sources": ["LinkedIn"],
                                      "tags": ["backend"]})
    first = _expect(status, body, 201, "add opportunity")["id"]
    timings.append(took)
    status, body, took = client.call(
        "POST", f"/v1/candidates/{cid}/opportunities",
        {"general": True, "copy_from": {"opportunity_id": first,
                                        "categories": ["sources", "tags"],
                                        "archive_source": {"reason": "timing"}}})
    _expect(status, body, 201, "copy and archive")
    timings.append(took)
    return timings


def empty_route_flow(client: Client, n: int) -> list[float]:
    status, body, took = client.call("POST", empty_route.PATH, _candidate(n))
    _expect(status, body, 201, "empty route")
    return [took]


def drive(port: int, token: str, seconds: float,
           flow: Callable[[Client, int], list[float]]) -> dict[str, Any]:
    """CLIENTS keep-alive clients run `flow` once to warm up, then over and over for `seconds`
    from a common start; every call they time in that window counts."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    counter = itertools.count()
    go = threading.Barrier(CLIENTS + 1)
    window = {"start": 0.0, "stop": float("inf")}

    def run(index: int) -> None:
        client = Client(port, token)
        try:
            flow(client, next(counter))
            go.wait()
            while time.perf_counter() < window["stop"]:
                latencies[index].extend(flow(client, next(counter)))
        except Exception as error:  # reported, never counted as throughput
            errors.append(f"{type(error).__name__}: {error}")
            go.abort()
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        go.wait(timeout=120)
    window["start"] = time.perf_counter()
    window["stop"] = window["start"] + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - window["start"]
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first: {errors[0]}")
    samples = [s for per_client in latencies for s in per_client]
    return {"per_s": rate(len(samples), elapsed), **latency_ms(samples), "calls": len(samples)}


def api_write(session: ApiSession, sizes: Sizes) -> dict[str, Any]:
    """16 keep-alive clients, each repeating the silver medallist's flow."""
    driven = drive(session.server.port, session.env.token, sizes.api_seconds,
                    silver_medallist_flow)
    return {"commands_per_s": driven["per_s"], "p50_ms": driven["p50_ms"],
            "p99_ms": driven["p99_ms"], "commands": driven["calls"], "clients": CLIENTS}


def empty_route_server(folder: Path) -> Server:
    """The stack's empty route (api/bench/empty_route.py), served as `rekindle serve` serves."""
    return Server(Settings(data_dir=folder), folder / "empty-route.log",
                  program=("api.bench.empty_route",))


def drive_empty_route(env: BenchEnv, sizes: Sizes) -> dict[str, Any]:
    """The same clients POSTing the same candidate body to the empty route."""
    server = empty_route_server(env.root / "empty-route").start()
    try:
        return drive(server.port, env.token, sizes.api_seconds, empty_route_flow)
    finally:
        server.stop()


def with_baselines(env: BenchEnv, sizes: Sizes, figures: dict[str, Any]) -> dict[str, Any]:
    """Adds bare single-row commits at the same concurrency, and the empty route's rate, both
    run once the API has stopped (it would otherwise compete for the machine's cores)."""
    if "commands_per_s" not in figures:
        return figures
    baseline = baselines.bare_commits_per_s(env.conninfo, CLIENTS, sizes.api_seconds)
    floor = drive_empty_route(env, sizes)["per_s"]
    return {**figures, "baseline_commits_per_s": baseline,
            "ratio": ratio(figures["commands_per_s"], baseline),
            "empty_route_per_s": floor, "empty_route_ratio": ratio(floor, baseline)}


def candidate_history(session: ApiSession, sizes: Sizes) -> dict[str, Any]:
    """GET the full history of a candidate with `history_events` events, and its profile as of
    halfway through."""
    from api.bootstrap import Runtime

    with Runtime(session.settings) as runtime:
        runtime.start(projections=False, workers=False)
        cid, halfway = data.record_long_history(runtime.rekindle, sizes.history_events,
                                                admin_actor(session.env))
        head = runtime.rekindle.store.head()
    client = Client(session.server.port, session.env.token)
    try:
        history: list[float] = []
        as_of: list[float] = []
        status, body, _ = client.call("GET", f"/v1/candidates/{cid}?min_position={head}")
        _expect(status, body, 200, "projections catching up with the history")
        for _ in range(sizes.history_samples):
            status, body, took = client.call("GET", f"/v1/candidates/{cid}/history")
            items = _expect(status, body, 200, "history")["items"]
            if len(items) < sizes.history_events:
                raise RuntimeError(f"history returned {len(items)} of "
                                   f"{sizes.history_events} events")
            history.append(took)
        query = f"/v1/candidates/{cid}?as_of={halfway.isoformat().replace('+', '%2B')}"
        for _ in range(sizes.history_samples):
            status, body, took = client.call("GET", query)
            _expect(status, body, 200, "as_of")
            as_of.append(took)
    finally:
        client.close()
    as_of_ms = latency_ms(as_of)
    return {"events": sizes.history_events, **latency_ms(history),
            "as_of_p50_ms": as_of_ms["p50_ms"], "as_of_p99_ms": as_of_ms["p99_ms"],
            "samples": sizes.history_samples}


class BacklogStore:
    """A database holding a generated backlog, shared by projection_catchup and rebuild."""

    def __init__(self, env: BenchEnv, sizes: Sizes) -> None:
        from api.bootstrap import Runtime

        self.runtime = Runtime(env.fresh_settings("backlog"))
        self.runtime.start(projections=False, workers=False)
        self.events = data.record_backlog(self.runtime.rekindle, sizes.backlog_events,
                                          admin_actor(env))
        self.head = self.runtime.rekindle.store.head() or 0

    def close(self) -> None:
        self.runtime.stop()


def projection_catchup(store: BacklogStore) -> dict[str, Any]:
    """Cold start of every registered projection on the backlog, until all reach its head."""
    from projections.opening import catalog
    from projections.rebuild import status
    from projections.service import ProjectionService

    if not catalog():
        return {"skipped": "no projections are registered in projections/catalog.py"}
    started_at = {row["name"]: row["position"] for row in status(store.runtime.database)}
    if any(started_at.values()):
        raise RuntimeError(f"a cold start needs empty views; they are at {started_at}")
    decoded, decode_s = baselines.bare_decode(store.runtime.database)
    started = time.perf_counter()
    service = ProjectionService(store.runtime.database).start()
    try:
        if not service.wait(store.head, timeout=3600):
            raise RuntimeError("projections did not reach the backlog's head")
        elapsed = time.perf_counter() - started
    finally:
        service.stop()
    events = rate(store.head, elapsed)
    baseline = rate(decoded, decode_s)
    return {"events": store.head, "seconds": round(elapsed, 2), "events_per_s": events,
            "projections": len(catalog()), "baseline_decode_per_s": baseline,
            "ratio": ratio(events, baseline)}


def rebuild(store: BacklogStore) -> dict[str, Any]:
    """Drop and rebuild every projection over the backlog."""
    from projections.opening import catalog
    from projections.rebuild import rebuild as rebuild_all

    if not catalog():
        return {"skipped": "no projections are registered in projections/catalog.py"}
    started = time.perf_counter()
    done = rebuild_all(store.runtime.database)
    elapsed = time.perf_counter() - started
    short = {name: pos for name, pos in done.items() if pos < store.head}
    if short:
        raise RuntimeError(f"rebuild stopped short of {store.head}: {short}")
    return {"events": store.head, "seconds": round(elapsed, 2),
            "events_per_s": rate(store.head, elapsed), "projections": len(done)}


def import_rows(env: BenchEnv, sizes: Sizes) -> dict[str, Any]:
    """`rekindle import` of a generated .xlsx in a child process, so its peak RSS is its own."""
    from api.cli import main

    command = ["api.cli", "import"] if "import" in main.commands else ["api.bench.importchild"]
    settings = env.fresh_settings("import")
    path = data.write_spreadsheet(env.root / "import.xlsx", sizes.import_rows)
    child_env = {**os.environ, "REKINDLE_DATABASE_URL": settings.database_url or "",
                 "REKINDLE_DATA_DIR": str(settings.data_dir), "REKINDLE_LOG_LEVEL": "WARNING",
                 "REKINDLE_BOOTSTRAP_TOKEN": env.token}
    log_path = env.root / "import.log"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        child = subprocess.Popen([sys.executable, "-m", *command, str(path)],
                                 env=child_env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log_path.read_text(errors="replace")[-1500:]
        raise RuntimeError(f"rekindle import exited with {child.returncode}: {tail}")
    with psycopg.connect(settings.database_url) as conn:
        created = conn.execute("SELECT count(*) FROM public.rekindle_events "
                               "WHERE topic LIKE %s", ("%CandidateCreated",)).fetchone()[0]
    if created < sizes.import_rows:
        raise RuntimeError(f"import created {created} of {sizes.import_rows} candidates")
    return {"rows": sizes.import_rows, "via": " ".join(command), "seconds": round(elapsed, 2),
            "rows_per_s": rate(sizes.import_rows, elapsed),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
