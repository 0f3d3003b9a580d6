"""Reaching candidates: follow-up invitations, the mails list and the consent proof."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, jsonify
from marshmallow import validate

from api import responses
from api.app import command_response, listed, pool, rekindle, runtime, wait_for
from api.auth import READERS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.fields import Id, Items, Text
from api.idempotency import idempotent
from api.rendering import render
from api.schemas import PageArgs, ReadArgs, Strict
from domain.mail import KINDS, STATUSES
from projections import mail_queries

blp = Blueprint("reach", __name__, url_prefix="/v1",
                description="Reaching candidates: invitations, mails, consent proof")


class InvitationSend(Strict):
    candidate_ids = Items(Id())
    pool_id = Id()


class MailListArgs(PageArgs):
    candidate_id = Id()
    kind = Text(validate=validate.OneOf(KINDS))
    status = Text(validate=validate.OneOf(STATUSES))


@blp.route("/forms/<uuid:form_id>/invitations", methods=["POST"])
@responses.command(blp, 202, responses.InvitationsSent)
@requires(*RECRUITERS)
@blp.arguments(InvitationSend)
@idempotent(candidate_field=None)
@conditional
def invite(args: dict[str, Any], form_id: UUID, expected_version: int | None) -> Response:
    """Each candidate with consent granted gets a personal follow-up link (by mail); the
    others are skipped with the reason."""
    recorded = rekindle().invitations.invite(form_id, current_actor(),
                                             candidate_ids=args.get("candidate_ids"),
                                             pool_id=args.get("pool_id"),
                                             expected_version=expected_version)
    return command_response(recorded, {"id": str(recorded.id), "form_id": str(form_id),
                                       **recorded.extra}, 202)


@blp.route("/mails", methods=["GET"])
@responses.read(blp, responses.MailPage)
@requires(*READERS)
@blp.arguments(MailListArgs, location="query")
def list_mails(args: dict[str, Any]) -> Response:
    """Statuses and attempts of the mails sent or to send: no addresses, no bodies."""
    wait_for(args.get("min_position"), mail_queries.VIEWS)
    return listed(responses.Mail, mail_queries.list_mails(
        pool(), current_actor(), runtime().settings.mail_from,
        candidate_id=args.get("candidate_id"), kind=args.get("kind"),
        status=args.get("status"), limit=args["limit"], cursor=args.get("cursor")))


@blp.route("/candidates/<uuid:candidate_id>/consent/proof", methods=["GET"])
@responses.read(blp, responses.ConsentProof)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def consent_proof(args: dict[str, Any], candidate_id: UUID) -> Response:
    """Every consent event with its proof (channel, SHA-256 of the text shown, the text, when,
    form, Message-ID), oldest first, read from the event store."""
    return jsonify(render(responses.ConsentProof,
                          {"items": rekindle().consent_proof.of(candidate_id, current_actor())}))
