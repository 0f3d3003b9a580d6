"""GET /metrics: public, Prometheus text, HTTP series labelled by URL rule, the read side's
positions from PostgreSQL, and nothing personal anywhere in it."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Api, candidate, unique_email

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE_RULE = "/v1/candidates/<uuid:candidate_id>"
ANY_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


def scrape(api: Api) -> dict[str, list[Any]]:
    """Samples by metric family name."""
    response = api.get("/metrics")
    assert response.status_code == 200, response.data[:500]
    families: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        families.setdefault(family.name, []).extend(family.samples)
    return families


def value(families: dict[str, list[Any]], sample: str, **labels: str) -> float | None:
    """One sample's value (a family's sample names carry suffixes like _total, _count)."""
    for samples in families.values():
        for s in samples:
            if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


def requests_of(families: dict[str, list[Any]], **labels: str) -> float:
    return value(families, "rekindle_http_requests_total", **labels) or 0.0


def test_metrics_answer_without_a_token_in_the_prometheus_text_format(anonymous: Api) -> None:
    response = anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "X-Request-Id" in response.headers
    families = scrape(anonymous)
    assert value(families, "rekindle_build_info") == 1.0
    assert "rekindle_http_request_duration_seconds" in families


def test_http_series_are_labelled_by_url_rule_never_by_a_raw_id(
        client: Api, anonymous: Api, flask_app: Any) -> None:
    before = scrape(anonymous)
    cid = candidate(client)
    missing = str(uuid.uuid4())
    stray = str(uuid.uuid4())
    assert client.get(f"/v1/candidates/{cid}").status_code == 200
    assert client.get(f"/v1/candidates/{cid}").status_code == 200
    assert client.get(f"/v1/candidates/{missing}").status_code == 404
    assert anonymous.get(f"/v1/candidates/{cid}").status_code == 401
    assert client.patch(f"/v1/candidates/{cid}", {"headline": 5}).status_code == 422
    assert client.get(f"/nowhere/{stray}").status_code == 404
    after = scrape(anonymous)

    def grew(**labels: str) -> float:
        return requests_of(after, **labels) - requests_of(before, **labels)

    assert grew(method="GET", route=CANDIDATE_RULE, status="200") == 2
    assert grew(method="GET", route=CANDIDATE_RULE, status="404") == 1
    assert grew(method="GET", route=CANDIDATE_RULE, status="401") == 1
    assert grew(method="PATCH", route=CANDIDATE_RULE, status="422") == 1
    assert grew(method="POST", route="/v1/candidates", status="201") == 1
    assert grew(method="GET", route="unmatched", status="404") == 1
    count = value(after, "rekindle_http_request_duration_seconds_count", method="GET",
                  route=CANDIDATE_RULE)
    assert count is not None and count >= 4

    rules = {rule.rule for rule in flask_app.url_map.iter_rules()} | {"unmatched"}
    seen = {(s.labels["route"], s.value) for s in after["rekindle_http_requests"]}
    new = {route for route, _ in seen - {(s.labels["route"], s.value)
                                         for s in before.get("rekindle_http_requests", [])}}
    assert new and new <= rules
    text = client.get("/metrics").get_data(as_text=True)
    for raw in (cid, missing, stray, uuid.UUID(cid).hex, "/nowhere"):
        assert raw not in text, raw
    assert not ANY_ID.search(text)


def test_no_personal_data_in_the_metrics(client: Api, anonymous: Api) -> None:
    email = unique_email("zelda")
    created = client.post("/v1/candidates", {
        "name": "Zelda Zimmermann", "emails": [email], "phones": ["+49 30 7654321"],
        "headline": "Zelda's headline"})
    assert created.status_code == 201, created.get_json()
    cid = created.get_json()["id"]
    position = created.headers["X-Rekindle-Position"]
    assert client.get(f"/v1/candidates?q={email}&min_position={position}").status_code == 200
    assert client.get(f"/v1/candidates/{cid}").status_code == 200
    assert client.post("/v1/candidates", {"name": "Zelda Zimmermann", "emails": [email]}
                       ).status_code == 409
    text = anonymous.get("/metrics").get_data(as_text=True)
    for personal in ("Zelda", "Zimmermann", "zelda", email, "7654321", "headline", cid):
        assert personal not in text, personal


def test_the_read_sides_positions_appear_and_move_after_a_write(
        client: Api, anonymous: Api, runtime: Any) -> None:
    candidate(client)
    assert runtime.projections.wait(runtime.rekindle.store.head(), timeout=10)
    before = scrape(anonymous)
    head_before = value(before, "rekindle_event_log_head")
    views = {s.labels["view"]: s.value for s in before["rekindle_projection_position"]}
    assert {"profiles", "analytics", "erasures", "crm"} <= set(views)
    assert head_before is not None and all(v <= head_before for v in views.values())

    created = client.post("/v1/candidates", {"name": "Moving Position",
                                             "emails": [unique_email("move")]})
    position = int(created.headers["X-Rekindle-Position"])
    assert position > head_before
    assert runtime.projections.wait(position, timeout=10)
    after = scrape(anonymous)
    assert value(after, "rekindle_event_log_head") >= position
    for view in views:
        assert value(after, "rekindle_projection_position", view=view) >= position, view
        lag = value(after, "rekindle_projection_lag", view=view)
        assert lag is not None and lag >= 0
    assert value(after, "rekindle_metrics_database_up") == 1.0


def test_the_grafana_dashboard_graphs_only_series_that_exist(anonymous: Api) -> None:
    text = anonymous.get("/metrics").get_data(as_text=True)
    exposed = set()
    for kind_line in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        name, kind = kind_line
        exposed.add(name)
        if kind == "histogram":
            exposed |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    dashboard = json.loads((ROOT / "docs" / "grafana" / "rekindle.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    graphed = {n for e in expressions for n in re.findall(r"\brekindle_\w+", e)}
    assert graphed and graphed <= exposed, sorted(graphed - exposed)
    for wanted in ("rekindle_http_requests_total", "rekindle_projection_lag",
                   "rekindle_consumer_position", "rekindle_parked_messages",
                   "rekindle_mails_total", "rekindle_http_request_duration_seconds_bucket"):
        assert wanted in graphed, wanted
