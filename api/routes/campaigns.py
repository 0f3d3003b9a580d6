"""Campaigns: mails to candidates whose consent is granted, at most once each."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import (
    command_response,
    created_response,
    found,
    listed,
    location,
    pool,
    rekindle,
    wait_for,
)
from api.auth import READERS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.fields import Id, Items, Text
from api.idempotency import idempotent
from api.schemas import PageArgs, ReadArgs, Strict
from projections import crm_queries as q

blp = Blueprint("campaigns", __name__, url_prefix="/v1/campaigns", description="Campaigns")


class CampaignCreate(Strict):
    name = Text(required=True)
    subject = Text(required=True)
    body = Text(required=True)


class CampaignSend(Strict):
    candidate_ids = Items(Id())
    pool_id = Id()


@blp.route("", methods=["POST"])
@responses.command(blp, 201, responses.Campaign)
@requires(*RECRUITERS)
@blp.arguments(CampaignCreate)
@idempotent(candidate_field=None)
def create_campaign(args: dict[str, Any]) -> Response:
    recorded = rekindle().campaigns.create(args["name"], args["subject"], args["body"],
                                             current_actor())
    return created_response(recorded, responses.Campaign,
                            lambda: q.get_campaign(pool(), recorded.id), views=q.VIEWS,
                            created_at=location("campaigns.get_campaign",
                                                campaign_id=recorded.id))


@blp.route("/<uuid:campaign_id>/send", methods=["POST"])
@responses.command(blp, 202, responses.CampaignSent)
@requires(*RECRUITERS)
@blp.arguments(CampaignSend)
@idempotent(candidate_field=None)
@conditional
def send_campaign(args: dict[str, Any], campaign_id: UUID,
                  expected_version: int | None) -> Response:
    """To `candidate_ids` or a pool's members; those without granted consent are skipped."""
    recorded = rekindle().campaigns.send(campaign_id, current_actor(),
                                           candidate_ids=args.get("candidate_ids"),
                                           pool_id=args.get("pool_id"),
                                           expected_version=expected_version)
    return command_response(recorded, {"id": str(campaign_id), **recorded.extra}, 202)


@blp.route("/<uuid:campaign_id>", methods=["GET"])
@responses.read(blp, responses.Campaign, etag=True)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_campaign(args: dict[str, Any], campaign_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Campaign, q.get_campaign(pool(), campaign_id), "campaign",
                 campaign_id)


@blp.route("", methods=["GET"])
@responses.read(blp, responses.CampaignPage)
@requires(*READERS)
@blp.arguments(PageArgs, location="query")
def list_campaigns(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Campaign, q.list_campaigns(pool(), limit=args["limit"],
                                                       cursor=args.get("cursor")))
