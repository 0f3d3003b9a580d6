"""The `rekindle bench` command: runs every measurement, then prints a table or one JSON object."""

from __future__ import annotations

import json
import logging
import os
import traceback
from collections.abc import Callable
from typing import Any

import click

from api.bench.harness import BenchEnv, Sizes

log = logging.getLogger(__name__)

GOALS = {
    ("api_write", "ratio"): (">=", 0.33),
    ("api_write", "p99_ms"): ("<=", 100.0),
    ("candidate_history", "p50_ms"): ("<=", 100.0),
    ("projection_catchup", "ratio"): (">=", 0.3),
    ("rebuild", "events_per_s"): (">=", 5000.0),
    ("import", "rows_per_s"): (">=", 2000.0),
    ("import", "peak_rss_mb"): ("<=", 400.0),
    ("kafka_lag", "p99_ms"): ("<=", 250.0),
    ("kafka_scale", "ratio"): (">=", 1.5),
    ("kafka_scale", "takeover_s"): ("<=", 10.0),
    ("kafka_scale", "lost"): ("<=", 0),
    ("kafka_scale", "doubled"): ("<=", 0),
}
"""The goals each figure is held to; the JSON's `goals` says for each whether this run met it."""


def _guarded(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A failed measurement is reported as an error with its reason, never as a number."""
    click.echo(f"bench: {name} ...", err=True)
    try:
        return fn()
    except Exception as error:
        log.debug("bench %s failed\n%s", name, traceback.format_exc())
        return {"error": f"{type(error).__name__}: {error}"[:2000]}


def run_all(quick: bool) -> dict[str, Any]:
    """Every figure, each beside its baseline, on a throwaway embedded server."""
    from api.bench import measures

    sizes = Sizes.for_run(quick)
    env = BenchEnv(quick=quick).start()
    results: dict[str, Any] = {"quick": quick}
    try:
        results["machine"] = env.machine()
        try:
            with measures.ApiSession(env) as session:
                results["api_write"] = _guarded(
                    "api_write", lambda: measures.api_write(session, sizes))
                results["candidate_history"] = _guarded(
                    "candidate_history", lambda: measures.candidate_history(session, sizes))
        except Exception as error:
            failed = {"error": f"rekindle serve did not start: {error}"[:2000]}
            results.setdefault("api_write", failed)
            results.setdefault("candidate_history", failed)
        results["api_write"] = _guarded(
            "api_write baselines",
            lambda: measures.with_baselines(env, sizes, results["api_write"]))
        click.echo("bench: generating the event backlog ...", err=True)
        store = measures.BacklogStore(env, sizes)
        try:
            results["projection_catchup"] = _guarded(
                "projection_catchup", lambda: measures.projection_catchup(store))
            results["rebuild"] = _guarded("rebuild", lambda: measures.rebuild(store))
        finally:
            store.close()
        results["import"] = _guarded("import", lambda: measures.import_rows(env, sizes))
        results["kafka_lag"] = _kafka(env, sizes, "kafka_lag")
        results["kafka_scale"] = _kafka(env, sizes, "kafka_scale")
    finally:
        env.stop()
    results["goals"] = _verdicts(results)
    return results


def _kafka(env: BenchEnv, sizes: Sizes, figure: str) -> dict[str, Any]:
    if not os.environ.get("REKINDLE_KAFKA_BOOTSTRAP"):
        return {"skipped": "REKINDLE_KAFKA_BOOTSTRAP not set"}
    from api.bench import lag, scale

    measure = {"kafka_lag": lag.kafka_lag, "kafka_scale": scale.kafka_scale}[figure]
    return _guarded(figure, lambda: measure(env, sizes))


def _verdicts(results: dict[str, Any]) -> dict[str, Any]:
    verdicts: dict[str, Any] = {}
    for (part, key), (op, goal) in GOALS.items():
        value = results.get(part, {}).get(key)
        if isinstance(value, int | float):
            met = value >= goal if op == ">=" else value <= goal
            verdicts[f"{part}.{key}"] = {"goal": f"{op} {goal:g}", "value": value, "met": met}
    return verdicts


def render_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="rekindle bench" + (" (quick)" if results.get("quick") else ""))
    table.add_column("measurement")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for part, figures in results.items():
        if not isinstance(figures, dict) or part == "goals":
            continue
        for key, value in figures.items():
            table.add_row(part, key, f"{value:,}" if isinstance(value, int | float)
                          and not isinstance(value, bool) else str(value))
            part = ""
        table.add_section()
    for name, verdict in results.get("goals", {}).items():
        mark = "[green]met[/green]" if verdict["met"] else "[red]missed[/red]"
        table.add_row("goal", f"{name} {verdict['goal']}", f"{verdict['value']:,} {mark}")
    Console().print(table)


@click.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--quick", is_flag=True, help="Small sizes (about a minute), as CI runs it.")
def bench(as_json: bool, quick: bool) -> None:
    """Measure API writes, projections, history, rebuild, import and Kafka lag against baselines.

    Runs on its own embedded PostgreSQL in a temporary folder, never on REKINDLE_DATA_DIR's.
    """
    results = run_all(quick)
    if as_json:
        click.echo(json.dumps(results, default=str))
    else:
        render_table(results)
