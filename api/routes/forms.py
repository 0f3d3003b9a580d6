"""Talent forms: recruiters create them; anyone may submit one (no token, rate-limited)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import (
    command_response,
    created_response,
    found,
    location,
    pool,
    rekindle,
    runtime,
    wait_for,
)
from api.auth import READERS, RECRUITERS, client_address, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.errors import ApiError
from api.fields import Flag, Id, Items, Text
from api.idempotency import idempotent
from api.schemas import ReadArgs, Strict
from projections import crm_queries as q
from projections.rate_limits import SharedLimiter

blp = Blueprint("forms", __name__, url_prefix="/v1/forms", description="Talent forms")


class FormCreate(Strict):
    title = Text(required=True)
    pool_id = Id(allow_none=True)
    consent_text = Text(allow_none=True)


class FormChange(Strict):
    title = Text()
    pool_id = Id(allow_none=True)
    consent_text = Text(allow_none=True)


class Submission(Strict):
    name = Text(required=True)
    email = Text(required=True)
    phone = Text(allow_none=True)
    interests = Items(Text(), load_default=list)
    consent = Flag(required=True)


@blp.route("", methods=["POST"])
@responses.command(blp, 201, responses.Form)
@requires(*RECRUITERS)
@blp.arguments(FormCreate)
@idempotent(candidate_field=None)
def create_form(args: dict[str, Any]) -> Response:
    recorded = rekindle().forms.create(args["title"], current_actor(),
                                         pool_id=args.get("pool_id"),
                                         consent_text=args.get("consent_text"))
    return created_response(recorded, responses.Form, lambda: q.get_form(pool(), recorded.id),
                            views=q.VIEWS,
                            created_at=location("forms.get_form", form_id=recorded.id))


@blp.route("/<uuid:form_id>", methods=["GET"])
@responses.read(blp, responses.Form, etag=True)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_form(args: dict[str, Any], form_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Form, q.get_form(pool(), form_id), "form", form_id)


@blp.route("/<uuid:form_id>", methods=["PATCH"])
@responses.command(blp, 200, responses.Form)
@requires(*RECRUITERS)
@blp.arguments(FormChange)
@conditional
def change_form(args: dict[str, Any], form_id: UUID, expected_version: int | None) -> Response:
    """Title, pool and consent text; candidates who entered before keep their source."""
    recorded = rekindle().forms.change(form_id, current_actor(), args,
                                         expected_version=expected_version)
    return created_response(recorded, responses.Form, lambda: q.get_form(pool(), form_id), 200,
                            views=q.VIEWS)


@blp.route("/<uuid:form_id>/submissions", methods=["POST"])
@responses.command(blp, 202, responses.Status)
@responses.answers(429)
@blp.arguments(Submission)
@conditional
def submit_form(args: dict[str, Any], form_id: UUID, expected_version: int | None) -> Response:
    """Public (no token): a candidate fills in a talent form; rate-limited per address."""
    limiter = SharedLimiter(pool(), "form", runtime().settings.form_rate_limit_per_minute)
    if not limiter.admit(client_address()):
        raise ApiError("rate_limited", "too many form submissions from this address; wait a "
                       "minute", headers={"Retry-After": "60"})
    recorded = rekindle().forms.submit(form_id, args["name"], args["email"],
                                         consent=args["consent"], phone=args.get("phone"),
                                         interests=args["interests"],
                                         expected_version=expected_version)
    return command_response(recorded, {"status": "accepted"}, 202)
