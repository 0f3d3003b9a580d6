"""Parked messages, for operators: what a worker still failed on, and handing one back to its
handler (consumers/parked.py: both transports park there)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from marshmallow import fields, validate

from api import responses
from api.app import command_response, listed, pool, runtime
from api.auth import ADMINS, requires
from api.blueprint import Blueprint
from api.fields import Text
from api.rendering import render
from api.schemas import MAX_PAGE, Empty, Strict
from consumers.parked import list_parked, replay
from domain.recorded import Recorded

blp = Blueprint("parked", __name__, url_prefix="/v1/parked",
                description="Parked messages of the workers")


class ParkedArgs(Strict):
    """A page, without `min_position`: the workers write the table, not a projection."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = Text(max_length=500)
    handler = Text(max_length=200, metadata={"description": "only this handler's"})


class Parked(responses.Body):
    id = fields.UUID(required=True)
    handler = fields.String(required=True)
    position = fields.Integer(metadata={"description": "the event's position in the log"})
    event_id = fields.UUID()
    reason = fields.String(attribute="error", metadata={"description": "why it was parked"})
    parked_at = fields.DateTime()


ParkedPage = responses.page("ParkedPage", Parked)


class Replay(responses.Body):
    id = fields.UUID(required=True)
    handler = fields.String(required=True)
    event_id = fields.UUID()
    position = fields.Integer()
    status = fields.String(required=True, metadata={
        "description": "replayed (handled, no longer parked) or parked (it failed again)"})
    reason = fields.String(allow_none=True, metadata={"description": "the new reason"})


@blp.route("", methods=["GET"])
@responses.read(blp, ParkedPage)
@requires(*ADMINS)
@blp.arguments(ParkedArgs, location="query")
def list_parked_messages(args: dict[str, Any]) -> Response:
    """Oldest first, with the reason each was parked."""
    return listed(Parked, list_parked(pool(), handler=args.get("handler"), limit=args["limit"],
                                      cursor=args.get("cursor")))


@blp.route("/<uuid:parked_id>/replay", methods=["POST"])
@responses.command(blp, 200, Replay)
@requires(*ADMINS)
@blp.arguments(Empty)
def replay_parked_message(args: dict[str, Any], parked_id: UUID) -> Response:
    """Hands the message back to its handler, in this process. Safe to repeat: handlers are
    idempotent by event id. Failing again, it stays parked with the new reason (still 200:
    see `status`)."""
    outcome = replay(runtime(), parked_id)
    return command_response(Recorded(parked_id, None), render(Replay, vars(outcome)))
