"""Job postings: admins create and change them; everyone with a role reads them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import created_response, found, listed, location, pool, rekindle, wait_for
from api.auth import ADMINS, READERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.idempotency import idempotent
from api.schemas import HiringTeam, PostingCreate, PostingListArgs, PostingState, ReadArgs
from projections import queries

blp = Blueprint("postings", __name__, url_prefix="/v1/postings", description="Job postings")


def _read(posting_id: UUID) -> Any:
    return lambda: queries.get_posting(pool(), posting_id, current_actor())


@blp.route("", methods=["POST"])
@responses.command(blp, 201, responses.Posting)
@requires(*ADMINS)
@blp.arguments(PostingCreate)
@idempotent(candidate_field=None)
def create_posting(args: dict[str, Any]) -> Response:
    recorded = rekindle().postings.create(
        args["title"], current_actor(), team=args.get("team"), location=args.get("location"),
        state=args["state"], hiring_team=args["hiring_team"])
    return created_response(recorded, responses.Posting, _read(recorded.id),
                            views=queries.VIEWS,
                            created_at=location("postings.get_posting", posting_id=recorded.id))


@blp.route("/<uuid:posting_id>/state", methods=["POST"])
@responses.command(blp, 200, responses.Posting)
@requires(*ADMINS)
@blp.arguments(PostingState)
@conditional
def change_state(args: dict[str, Any], posting_id: UUID,
                 expected_version: int | None) -> Response:
    recorded = rekindle().postings.change_state(posting_id, args["state"], current_actor(),
                                                expected_version=expected_version)
    return created_response(recorded, responses.Posting, _read(posting_id), 200,
                            views=queries.VIEWS)


@blp.route("/<uuid:posting_id>/hiring-team", methods=["POST"])
@responses.command(blp, 200, responses.Posting)
@requires(*ADMINS)
@blp.arguments(HiringTeam)
@conditional
def change_hiring_team(args: dict[str, Any], posting_id: UUID,
                       expected_version: int | None) -> Response:
    recorded = rekindle().postings.change_hiring_team(posting_id, args["hiring_team"],
                                                      current_actor(),
                                                      expected_version=expected_version)
    return created_response(recorded, responses.Posting, _read(posting_id), 200,
                            views=queries.VIEWS)


@blp.route("/<uuid:posting_id>", methods=["GET"])
@responses.read(blp, responses.Posting, etag=True)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_posting(args: dict[str, Any], posting_id: UUID) -> Response:
    wait_for(args.get("min_position"), queries.VIEWS)
    return found(responses.Posting, queries.get_posting(pool(), posting_id, current_actor()),
                 "posting", posting_id)


@blp.route("", methods=["GET"])
@responses.read(blp, responses.PostingPage)
@requires(*READERS)
@blp.arguments(PostingListArgs, location="query")
def list_postings(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), queries.VIEWS)
    return listed(responses.Posting, queries.list_postings(
        pool(), current_actor(), state=args.get("state"), limit=args["limit"],
        cursor=args.get("cursor")))
