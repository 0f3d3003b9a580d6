"""`rekindle bench --json --quick` runs end to end and reports every figure, or says why not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

REQUIRED = {
    "api_write": ("commands_per_s", "p50_ms", "p99_ms", "baseline_commits_per_s", "ratio",
                  "empty_route_per_s", "empty_route_ratio"),
    "projection_catchup": ("events_per_s", "baseline_decode_per_s", "ratio"),
    "candidate_history": ("p50_ms", "p99_ms", "as_of_p50_ms", "as_of_p99_ms"),
    "rebuild": ("events", "seconds", "events_per_s"),
    "import": ("rows", "rows_per_s", "peak_rss_mb"),
    "kafka_lag": ("p50_ms", "p99_ms"),
    "machine": ("cores", "memory_gb"),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("bench-home")
    env = {**os.environ, "REKINDLE_DATA_DIR": str(home / "must-stay-empty")}
    done = subprocess.run([sys.executable, "-m", "api.cli", "bench", "--json", "--quick"],
                          env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (home / "must-stay-empty").exists(), "bench touched REKINDLE_DATA_DIR"
    return json.loads(done.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("part", sorted(REQUIRED))
def test_every_figure_is_measured_or_skipped_with_a_reason(report: dict, part: str) -> None:
    figures = report[part]
    assert "error" not in figures, figures.get("error")
    if "skipped" in figures:
        assert isinstance(figures["skipped"], str) and figures["skipped"].strip()
        return
    for key in REQUIRED[part]:
        value = figures[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
        assert value > 0, (part, key, value)


@pytest.mark.slow
def test_a_route_that_does_nothing_outruns_one_that_records(report: dict) -> None:
    """The empty route is the stack's floor: it must be measured apart from the real API."""
    figures = report["api_write"]
    assert figures["empty_route_per_s"] > figures["commands_per_s"]
    assert figures["empty_route_ratio"] > figures["ratio"]


@pytest.mark.slow
def test_machine_names_the_servers_it_ran_on(report: dict) -> None:
    assert report["machine"]["postgres_version"].split(".")[0].isdigit()
    assert report["machine"]["python_version"].startswith("3.")


@pytest.mark.slow
def test_kafka_lag_is_skipped_without_a_broker(report: dict) -> None:
    if os.environ.get("REKINDLE_KAFKA_BOOTSTRAP"):
        pytest.skip("a broker is configured")
    assert report["kafka_lag"] == {"skipped": "REKINDLE_KAFKA_BOOTSTRAP not set"}


@pytest.mark.slow
def test_every_goal_is_judged_against_its_figure(report: dict) -> None:
    expected = {"api_write.ratio", "api_write.p99_ms", "candidate_history.p50_ms",
                "projection_catchup.ratio", "rebuild.events_per_s", "import.rows_per_s",
                "import.peak_rss_mb"}
    assert set(report["goals"]) == expected
    for name, verdict in report["goals"].items():
        part, key = name.split(".")
        assert verdict["value"] == report[part][key]
        op, goal = verdict["goal"].split()
        assert verdict["met"] == (verdict["value"] >= float(goal) if op == ">="
                                  else verdict["value"] <= float(goal))
