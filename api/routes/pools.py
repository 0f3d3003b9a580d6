"""Talent pools: named groups of candidates, and their members (under the scope rules)."""

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
from domain.errors import NotFound
from projections import crm_queries as q

blp = Blueprint("pools", __name__, url_prefix="/v1/pools", description="Talent pools")


class PoolCreate(Strict):
    name = Text(required=True)
    description = Text(allow_none=True)


class PoolChange(Strict):
    name = Text()
    description = Text(allow_none=True)


class Members(Strict):
    candidate_ids = Items(Id(), required=True)


def _read(pool_id: UUID) -> Any:
    return lambda: q.get_pool(pool(), pool_id, current_actor())


@blp.route("", methods=["POST"])
@responses.command(blp, 201, responses.Pool)
@requires(*RECRUITERS)
@blp.arguments(PoolCreate)
@idempotent(candidate_field=None)
def create_pool(args: dict[str, Any]) -> Response:
    recorded = rekindle().pools.create(args["name"], current_actor(),
                                         description=args.get("description"))
    return created_response(recorded, responses.Pool, _read(recorded.id), views=q.VIEWS,
                            created_at=location("pools.get_pool", pool_id=recorded.id))


@blp.route("", methods=["GET"])
@responses.read(blp, responses.PoolPage)
@requires(*READERS)
@blp.arguments(PageArgs, location="query")
def list_pools(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Pool, q.list_pools(pool(), limit=args["limit"],
                                               cursor=args.get("cursor")))


@blp.route("/<uuid:pool_id>", methods=["GET"])
@responses.read(blp, responses.Pool, etag=True)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_pool(args: dict[str, Any], pool_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Pool, q.get_pool(pool(), pool_id, current_actor()), "pool", pool_id)


@blp.route("/<uuid:pool_id>", methods=["PATCH"])
@responses.command(blp, 200, responses.Pool)
@requires(*RECRUITERS)
@blp.arguments(PoolChange)
@conditional
def change_pool(args: dict[str, Any], pool_id: UUID, expected_version: int | None) -> Response:
    recorded = rekindle().pools.change(pool_id, current_actor(), name=args.get("name"),
                                         description=args.get("description"),
                                         expected_version=expected_version)
    return created_response(recorded, responses.Pool, _read(pool_id), 200, views=q.VIEWS)


@blp.route("/<uuid:pool_id>/members", methods=["POST"])
@responses.command(blp, 200, responses.MembersAdded)
@requires(*RECRUITERS)
@blp.arguments(Members)
@conditional
def add_members(args: dict[str, Any], pool_id: UUID, expected_version: int | None) -> Response:
    recorded = rekindle().pools.add_members(pool_id, args["candidate_ids"], current_actor(),
                                              expected_version=expected_version)
    return command_response(recorded, {"id": str(pool_id),
                                       "added": [str(c) for c in args["candidate_ids"]]})


@blp.route("/<uuid:pool_id>/members/<uuid:candidate_id>", methods=["DELETE"])
@responses.command(blp, 200, responses.MemberRemoved)
@requires(*RECRUITERS)
@conditional
def remove_member(pool_id: UUID, candidate_id: UUID, expected_version: int | None) -> Response:
    recorded = rekindle().pools.remove_member(pool_id, candidate_id, current_actor(),
                                                expected_version=expected_version)
    return command_response(recorded, {"id": str(pool_id), "removed": str(candidate_id)})


@blp.route("/<uuid:pool_id>/members", methods=["GET"])
@responses.read(blp, responses.PoolMemberPage)
@requires(*READERS)
@blp.arguments(PageArgs, location="query")
def list_members(args: dict[str, Any], pool_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    viewer = current_actor()
    if q.get_pool(pool(), pool_id, viewer) is None:
        raise NotFound(f"no pool with id {pool_id}", {"id": str(pool_id)})
    return listed(responses.PoolMember, q.pool_members(pool(), pool_id, viewer,
                                                       limit=args["limit"],
                                                       cursor=args.get("cursor")))
