"""The ATS interface: send an application, receive events."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from flask import Response, request

from api import responses
from api.app import command_response, rekindle, runtime
from api.auth import RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.errors import ApiError
from api.schemas import AtsEventMessage
from consumers.ats import SIGNATURE_HEADER, signature_valid
from domain.actor import Actor
from domain.errors import ValidationFailed

blp = Blueprint("ats", __name__, url_prefix="/v1",
                description="Sync with the applicant tracking system (README: The ATS interface)")


@blp.route("/opportunities/<uuid:opportunity_id>/send-to-ats", methods=["POST"])
@requires(*RECRUITERS)
@responses.command(blp, 202, responses.AtsQueued)
@conditional
def send_to_ats(opportunity_id: UUID, expected_version: int | None) -> Response:
    """Marks the application pending; the "ats" worker delivers it (retries, then failure)."""
    recorded = rekindle().ats.send(opportunity_id, current_actor(),
                                   expected_version=expected_version)
    return command_response(recorded, {"id": str(opportunity_id), "ats": {
        "status": "pending", "external_id": None, "last_error": None}}, 202)


SIGNATURE = {"in": "header", "name": SIGNATURE_HEADER, "required": True,
             "schema": {"type": "string"},
             "description": 'HMAC-SHA256 (hex, optionally prefixed "sha256=") of the raw body '
                            "with REKINDLE_ATS_SECRET"}


@blp.route("/ats/events", methods=["POST"])
@blp.doc(parameters=[SIGNATURE], requestBody={
    "required": True, "content": {"application/json": {"schema": AtsEventMessage}}})
@responses.answers((401, f"`unauthorized`: a missing or bad `{SIGNATURE_HEADER}`"))
@responses.command(blp, 202, responses.AtsEventAccepted)
@responses.command(blp, 200, responses.AtsEventDuplicate, "a replay: nothing recorded")
def receive_ats_event() -> Response:
    """An ATS event, recorded once by its event_id (a replay answers 200, records nothing).

    Authenticated by `X-Rekindle-Signature` (a bad one: 401), not by a token."""
    rt = runtime()
    body = request.get_data(cache=True)
    if not signature_valid(rt.settings.ats_secret, body, request.headers.get(SIGNATURE_HEADER)):
        raise ApiError("unauthorized", f"missing or bad {SIGNATURE_HEADER}")
    try:
        message: Any = json.loads(body)
    except ValueError:
        raise ApiError("bad_request", "the body is not valid JSON") from None
    if not isinstance(message, dict):
        raise ValidationFailed("the message must be a JSON object", {"_schema": ["not an object"]})
    recorded = rekindle().ats.receive(message, Actor.system())
    if recorded.extra.get("replayed"):
        return command_response(recorded, {"status": "duplicate",
                                           "event_id": str(message["event_id"])}, 200)
    extra = recorded.extra
    return command_response(recorded, {
        "status": "accepted", "event_id": str(message["event_id"]),
        "candidate_id": str(extra["candidate_id"]), "created": extra["created"],
        "silver_medallist": extra["silver_medallist"],
        "opportunity_id": str(extra["opportunity_id"]) if extra["opportunity_id"] else None,
    }, 202)
