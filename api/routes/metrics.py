"""`GET /metrics` for Prometheus (no token, like /healthz: it holds counts and positions only)."""

from __future__ import annotations

from flask import Flask, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api import responses
from api.app import pool
from api.blueprint import Blueprint
from consumers.metrics import exposition

blp = Blueprint("metrics", __name__, description="Metrics for Prometheus")

TEXT = {"type": "string", "description": "Prometheus text exposition format"}
REGISTRY_KEY = "rekindle.metrics"


def create_registry(app: Flask) -> None:
    """One per app: its database's positions with the process's own series."""
    app.extensions[REGISTRY_KEY] = exposition(pool)


@blp.route("/metrics", methods=["GET"])
@responses.read(blp, TEXT, content_type="text/plain")
@blp.doc(summary="Prometheus metrics")
def metrics() -> Response:
    """Request counts and latencies by route, the read side's positions and lags, parked
    messages, mails and ATS deliveries (the text format, whatever the Accept header: every
    Prometheus reads it)."""
    return Response(generate_latest(current_app.extensions[REGISTRY_KEY]),
                    content_type=CONTENT_TYPE_LATEST)
