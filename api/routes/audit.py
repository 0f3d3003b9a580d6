"""History for auditors: every event of a candidate (and its opportunities), replayed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import found, pool, rekindle, wait_for
from api.auth import READERS, current_actor, requires
from api.blueprint import Blueprint
from api.schemas import ReadArgs

blp = Blueprint("audit", __name__, url_prefix="/v1", description="History and audit")


@blp.route("/candidates/<uuid:candidate_id>/history", methods=["GET"])
@responses.read(blp, responses.History)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def candidate_history(args: dict[str, Any], candidate_id: UUID) -> Response:
    from projections import history

    wait_for(args.get("min_position"))
    items = history.candidate_history(rekindle().store, pool(), candidate_id, current_actor())
    return found(responses.History, {"items": items} if items else None, "candidate",
                 candidate_id)


@blp.route("/opportunities/<uuid:opportunity_id>/history", methods=["GET"])
@responses.read(blp, responses.History)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def opportunity_history(args: dict[str, Any], opportunity_id: UUID) -> Response:
    from projections import history

    wait_for(args.get("min_position"))
    items = history.opportunity_history(rekindle().store, pool(), opportunity_id,
                                        current_actor())
    return found(responses.History, {"items": items} if items else None, "opportunity",
                 opportunity_id)
