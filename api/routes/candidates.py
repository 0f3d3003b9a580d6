"""Candidate profiles: created and edited by the recruiting roles, read by every role."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import created_response, found, listed, location, pool, rekindle, wait_for
from api.auth import READERS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.idempotency import idempotent
from api.schemas import CandidateArgs, CandidateCreate, CandidateListArgs, CandidatePatch
from projections import queries

blp = Blueprint("candidates", __name__, url_prefix="/v1/candidates",
                description="Candidate profiles")


def read_candidate(candidate_id: UUID) -> Any:
    return lambda: queries.get_candidate(pool(), candidate_id, current_actor())


@blp.route("", methods=["POST"])
@responses.command(blp, 201, responses.CandidateProfile)
@responses.documents(blp, 409, success=False, schema=responses.DuplicateCandidate,
                     description=responses.DUPLICATE_CANDIDATE)
@requires(*RECRUITERS)
@blp.arguments(CandidateCreate)
@idempotent(candidate_field="id")
def create_candidate(args: dict[str, Any]) -> Response:
    """An email already on a live candidate: 409 duplicate_candidate naming that candidate."""
    fields = {k: args.get(k) for k in ("phones", "location", "headline", "links", "tags",
                                       "sources", "origin")}
    recorded = rekindle().candidates.create(args["name"], args["emails"], current_actor(),
                                              **fields)
    return created_response(recorded, responses.CandidateProfile, read_candidate(recorded.id),
                            views=queries.VIEWS, created_at=candidate_url(recorded.id))


def candidate_url(candidate_id: UUID) -> str:
    return location("candidates.get_candidate", candidate_id=candidate_id)


@blp.route("/<uuid:candidate_id>", methods=["GET"])
@responses.read(blp, responses.CandidateProfile, etag=True)
@requires(*READERS)
@blp.arguments(CandidateArgs, location="query")
def get_candidate(args: dict[str, Any], candidate_id: UUID) -> Response:
    """`as_of` replays the candidate's events up to that time."""
    wait_for(args.get("min_position"), queries.VIEWS)
    if args.get("as_of") is not None:
        from projections import history

        row = history.candidate_as_of(rekindle().store, pool(), candidate_id, args["as_of"],
                                      current_actor())
    else:
        row = queries.get_candidate(pool(), candidate_id, current_actor())
    return found(responses.CandidateProfile, row, "candidate", candidate_id)


@blp.route("", methods=["GET"])
@responses.read(blp, responses.CandidatePage)
@requires(*READERS)
@blp.arguments(CandidateListArgs, location="query")
def list_candidates(args: dict[str, Any]) -> Response:
    """`archive_reason` finds silver medallists; `q` matches name or email."""
    wait_for(args.pop("min_position", None), queries.VIEWS)
    filters = {k: args.get(k) for k in ("tag", "pool_id", "posting_id", "source",
                                        "archive_reason", "consent", "stage", "q")}
    return listed(responses.Candidate, queries.list_candidates(
        pool(), current_actor(), limit=args["limit"], cursor=args.get("cursor"), **filters))


@blp.route("/<uuid:candidate_id>", methods=["PATCH"])
@responses.command(blp, 200, responses.CandidateProfile)
@responses.documents(blp, 409, success=False, schema=responses.DuplicateCandidate,
                     description=responses.DUPLICATE_CANDIDATE)
@requires(*RECRUITERS)
@blp.arguments(CandidatePatch)
@conditional
def update_candidate(args: dict[str, Any], candidate_id: UUID,
                     expected_version: int | None) -> Response:
    recorded = rekindle().candidates.update_profile(candidate_id, args, current_actor(),
                                                    expected_version=expected_version)
    return created_response(recorded, responses.CandidateProfile, read_candidate(candidate_id),
                            200, views=queries.VIEWS)
