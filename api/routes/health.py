"""Liveness and readiness for load balancers and orchestrators (no token needed)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify

from api import responses
from api.app import pool, runtime
from api.blueprint import Blueprint
from projections.faults import ViewFaults

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__, description="Liveness and readiness")


@blp.route("/healthz", methods=["GET"])
@responses.read(blp, responses.Status)
@blp.doc(summary="Liveness")
def healthz() -> Response:
    """The process answers."""
    return jsonify({"status": "ok"})


@blp.route("/readyz", methods=["GET"])
@responses.read(blp, responses.Readiness)
@responses.documents(blp, 503, success=False, schema=responses.Readiness,
                     description="not ready: the database or a projection is down")
@blp.doc(summary="Readiness")
def readyz() -> Response:
    """The database answers and the projections run: safe to send traffic. A view stopped
    at an event it cannot apply is named under `stuck`, with the event and the reason."""
    checks = {"database": False, "projections": False}
    stuck: dict[str, Any] = {}
    try:
        with pool().connection(timeout=2.0) as conn:
            checks["database"] = conn.execute("SELECT 1").fetchone() == (1,)
        stuck = ViewFaults(pool()).all()
    except Exception as error:
        log.warning("readiness: database check failed: %s", type(error).__name__)
    projections = runtime().projections
    checks["projections"] = projections is not None and _running(projections) and not stuck
    ready = all(checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if stuck:
        body["stuck"] = stuck
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    return response


def _running(projections: Any) -> bool:
    runners = getattr(projections, "runners", None)
    if runners is None:
        return True
    return all(not runner.is_interrupted.is_set() for runner in runners.values())
