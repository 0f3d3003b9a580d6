"""Postings' pipelines: the opportunities list (by posting, candidate, stage, owner...), and
putting known candidates forward for a posting."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import command_response, listed, location, pool, rekindle, wait_for
from api.auth import READERS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.fields import FormFlag, Id, Items, Text
from api.idempotency import idempotent
from api.schemas import PageArgs, Strict
from projections import queries

blp = Blueprint("pipeline", __name__, url_prefix="/v1", description="Postings' pipelines")


class OpportunityListArgs(PageArgs):
    posting_id = Id()
    candidate_id = Id()
    stage = Text()
    owner_id = Id()
    archived = FormFlag(metadata={"description": "`true`: archived ones only; `false`: active "
                                                 "ones only"})
    archive_reason = Text()
    general = FormFlag(metadata={"description": "`true`: general ones only (no posting); "
                                                "`false`: those for a posting"})


class PutForward(Strict):
    candidate_ids = Items(Id(), required=True)


FILTERS = ("posting_id", "candidate_id", "stage", "owner_id", "archived", "archive_reason",
           "general")


@blp.route("/opportunities", methods=["GET"])
@responses.read(blp, responses.OpportunityPage)
@requires(*READERS)
@blp.arguments(OpportunityListArgs, location="query")
def list_opportunities(args: dict[str, Any]) -> Response:
    """Oldest first; the opportunities the caller sees, under the same rules as their GET."""
    wait_for(args.get("min_position"), queries.VIEWS)
    return listed(responses.OpportunityListed, queries.list_opportunities(
        pool(), current_actor(), limit=args["limit"], cursor=args.get("cursor"),
        **{k: args.get(k) for k in FILTERS}))


@blp.route("/postings/<uuid:posting_id>/put-forward", methods=["POST"])
@responses.command(blp, 201, responses.PutForwardResult)
@requires(*RECRUITERS)
@blp.arguments(PutForward)
@idempotent(candidate_field=None)
@conditional
def put_forward(args: dict[str, Any], posting_id: UUID,
                expected_version: int | None) -> Response:
    """Creates one opportunity for the posting per candidate not already on it; `Location`
    is the posting's pipeline. `If-Match` holds the posting's version."""
    recorded = rekindle().opportunities.put_forward(args["candidate_ids"], posting_id,
                                                    current_actor(),
                                                    expected_version=expected_version)
    return command_response(recorded, {"posting_id": str(posting_id), **recorded.extra}, 201,
                            created_at=location("pipeline.list_opportunities",
                                                posting_id=posting_id))
