"""History for auditors: every event of a candidate (and its opportunities), replayed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, jsonify

from api import responses
from api.app import ensure_candidate_visible, pool, runtime, wait_for
from api.auth import READERS, current_actor, requires
from api.blueprint import Blueprint
from api.schemas import ReadArgs
from domain.errors import NotFound
from projections import queries

blp = Blueprint("audit", __name__, url_prefix="/v1", description="History and audit")


def _items(found: Any) -> dict[str, Any]:
    return found if isinstance(found, dict) else {"items": list(found)}


@blp.route("/candidates/<uuid:candidate_id>/history", methods=["GET"])
@responses.read(blp, responses.History)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def candidate_history(args: dict[str, Any], candidate_id: UUID) -> Response:
    from projections import history

    wait_for(args.get("min_position"))
    ensure_candidate_visible(candidate_id)
    found = history.candidate_history(runtime().app, pool(), candidate_id)
    if not found:
        raise NotFound(f"no candidate with id {candidate_id}", {"id": str(candidate_id)})
    return jsonify(_items(found))


@blp.route("/opportunities/<uuid:opportunity_id>/history", methods=["GET"])
@responses.read(blp, responses.History)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def opportunity_history(args: dict[str, Any], opportunity_id: UUID) -> Response:
    from projections import history

    wait_for(args.get("min_position"))
    if queries.get_opportunity(pool(), opportunity_id, current_actor()) is None:
        raise NotFound(f"no opportunity with id {opportunity_id}", {"id": str(opportunity_id)})
    found = history.opportunity_history(runtime().app, pool(), opportunity_id)
    if not found:
        raise NotFound(f"no opportunity with id {opportunity_id}", {"id": str(opportunity_id)})
    return jsonify(_items(found))
