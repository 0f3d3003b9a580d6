"""Automation rules: admins create and change them; every role reads them and their runs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from marshmallow import validate

from api import responses
from api.app import created_response, found, listed, location, pool, rekindle, wait_for
from api.auth import ADMINS, READERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.fields import Flag, Items, Object, Text
from api.idempotency import idempotent
from api.schemas import PageArgs, ReadArgs, Strict
from domain.rule import TRIGGERS
from projections import crm_queries as q

blp = Blueprint("rules", __name__, url_prefix="/v1/rules", description="Automation rules")


class RuleCreate(Strict):
    name = Text(required=True)
    trigger = Text(required=True)
    enabled = Flag(load_default=True)
    filter = Items(Object(), load_default=list)
    actions = Items(Object(), required=True)


class RuleChange(Strict):
    name = Text()
    trigger = Text()
    enabled = Flag()
    filter = Items(Object())
    actions = Items(Object())


class RuleListArgs(PageArgs):
    trigger = Text(validate=validate.OneOf(TRIGGERS))


@blp.route("", methods=["POST"])
@responses.command(blp, 201, responses.Rule)
@requires(*ADMINS)
@blp.arguments(RuleCreate)
@idempotent(candidate_field=None)
def create_rule(args: dict[str, Any]) -> Response:
    recorded = rekindle().rules.create(args["name"], args["trigger"], current_actor(),
                                         filter=args["filter"], actions=args["actions"],
                                         enabled=args["enabled"])
    return created_response(recorded, responses.Rule, lambda: q.get_rule(pool(), recorded.id),
                            views=q.VIEWS,
                            created_at=location("rules.get_rule", rule_id=recorded.id))


@blp.route("", methods=["GET"])
@responses.read(blp, responses.RulePage)
@requires(*READERS)
@blp.arguments(RuleListArgs, location="query")
def list_rules(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Rule, q.list_rules(pool(), trigger=args.get("trigger"),
                                               limit=args["limit"], cursor=args.get("cursor")))


@blp.route("/<uuid:rule_id>", methods=["GET"])
@responses.read(blp, responses.Rule, etag=True)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_rule(args: dict[str, Any], rule_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Rule, q.get_rule(pool(), rule_id), "rule", rule_id)


@blp.route("/<uuid:rule_id>", methods=["PATCH"])
@responses.command(blp, 200, responses.Rule)
@requires(*ADMINS)
@blp.arguments(RuleChange)
@conditional
def change_rule(args: dict[str, Any], rule_id: UUID, expected_version: int | None) -> Response:
    recorded = rekindle().rules.change(rule_id, current_actor(),
                                       expected_version=expected_version, **args)
    return created_response(recorded, responses.Rule, lambda: q.get_rule(pool(), rule_id), 200,
                            views=q.VIEWS)
