"""Consent (with a deadline) and GDPR erasure of a candidate's personal data."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import command_response, created_response, rekindle
from api.auth import ADMINS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.routes.candidates import read_candidate
from api.schemas import Anonymize, ConsentGrant, ConsentRequest, Empty
from projections import queries

blp = Blueprint("gdpr", __name__, url_prefix="/v1/candidates", description="Consent and GDPR")


def _changed(recorded: Any, candidate_id: UUID) -> Response:
    return created_response(recorded, responses.CandidateProfile, read_candidate(candidate_id),
                            200, views=queries.VIEWS)


@blp.route("/<uuid:candidate_id>/consent/request", methods=["POST"])
@responses.command(blp, 200, responses.CandidateProfile)
@requires(*RECRUITERS)
@blp.arguments(ConsentRequest)
@conditional
def request_consent(args: dict[str, Any], candidate_id: UUID,
                    expected_version: int | None) -> Response:
    """Without an answer by the deadline the profile is deleted."""
    recorded = rekindle().consent.request(candidate_id, current_actor(),
                                             deadline_days=args.get("deadline_days"),
                                             expected_version=expected_version)
    return _changed(recorded, candidate_id)


@blp.route("/<uuid:candidate_id>/consent/grant", methods=["POST"])
@responses.command(blp, 200, responses.CandidateProfile)
@requires(*RECRUITERS)
@blp.arguments(ConsentGrant)
@conditional
def grant_consent(args: dict[str, Any], candidate_id: UUID,
                  expected_version: int | None) -> Response:
    recorded = rekindle().consent.grant(candidate_id, current_actor(),
                                           channel=args.get("channel"),
                                           purposes=args.get("purposes"),
                                           expected_version=expected_version)
    return _changed(recorded, candidate_id)


@blp.route("/<uuid:candidate_id>/consent/revoke", methods=["POST"])
@responses.command(blp, 200, responses.CandidateProfile)
@requires(*RECRUITERS)
@blp.arguments(Empty)
@conditional
def revoke_consent(args: dict[str, Any], candidate_id: UUID,
                   expected_version: int | None) -> Response:
    recorded = rekindle().consent.revoke(candidate_id, current_actor(),
                                         expected_version=expected_version)
    return _changed(recorded, candidate_id)


@blp.route("/<uuid:candidate_id>/deletion-request", methods=["POST"])
@responses.command(blp, 200, responses.CandidateProfile)
@requires(*RECRUITERS)
@blp.arguments(Empty)
@conditional
def request_deletion(args: dict[str, Any], candidate_id: UUID,
                     expected_version: int | None) -> Response:
    """From then on, copying between the candidate's opportunities is refused."""
    recorded = rekindle().consent.request_deletion(candidate_id, current_actor(),
                                                   expected_version=expected_version)
    return _changed(recorded, candidate_id)


@blp.route("/<uuid:candidate_id>/anonymize", methods=["POST"])
@responses.command(blp, 200, responses.CandidateAnonymized)
@requires(*ADMINS)
@blp.arguments(Anonymize)
@conditional
def anonymize(args: dict[str, Any], candidate_id: UUID,
              expected_version: int | None) -> Response:
    """Destroys the candidate's key and files; ids and non-personal facts remain."""
    recorded = rekindle().consent.anonymize(candidate_id, args["reason"], current_actor(),
                                            expected_version=expected_version)
    return command_response(recorded, {"id": str(candidate_id), "anonymized": True})
