"""Users and their API tokens (admin roles; a user may manage their own tokens)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import command_response, found, listed, location, pool, rekindle, wait_for
from api.auth import ADMINS, READERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.idempotency import idempotent
from api.rendering import render
from api.schemas import Empty, ReadArgs, RoleChange, UserCreate, UserListArgs
from domain import access
from domain.user import parse_token
from projections import queries

blp = Blueprint("users", __name__, url_prefix="/v1/users", description="Users and API tokens")


@blp.route("", methods=["POST"])
@responses.command(blp, 201, responses.UserCreated)
@requires(*ADMINS)
@blp.arguments(UserCreate)
@idempotent(candidate_field=None)
def create_user(args: dict[str, Any]) -> Response:
    """Creates a user and shows their token once (only super_admin creates super_admin)."""
    recorded = rekindle().users.create(args["name"], args["email"], args["role"],
                                         current_actor())
    user = recorded.extra["user"]
    return command_response(recorded, render(responses.UserCreated, {
        "id": user.id, "name": user.name, "email": user.email, "role": user.role,
        "version": user.version, "created_at": user.created_on,
        "token": recorded.extra["token"]}), 201,
        created_at=location("users.get_user", user_id=user.id))


@blp.route("", methods=["GET"])
@responses.read(blp, responses.UserPage)
@requires(*access.OVERSEERS)
@blp.arguments(UserListArgs, location="query")
def list_users(args: dict[str, Any]) -> Response:
    wait_for(args.pop("min_position", None), queries.VIEWS)
    return listed(responses.User, queries.list_users(pool(), role=args.get("role"),
                                                     limit=args["limit"],
                                                     cursor=args.get("cursor")))


@blp.route("/<uuid:user_id>", methods=["GET"])
@responses.read(blp, responses.User, etag=True)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_user(args: dict[str, Any], user_id: UUID) -> Response:
    """Admins and auditors read any user; everyone else only themselves."""
    wait_for(args.get("min_position"), queries.VIEWS)
    row = queries.get_user(pool(), user_id) if access.sees_user(current_actor(), user_id) else None
    return found(responses.User, row, "user", user_id)


@blp.route("/<uuid:user_id>/tokens", methods=["POST"])
@responses.command(blp, 201, responses.TokenIssued)
@requires(*READERS)
@blp.arguments(Empty)
@idempotent(candidate_field=None)
@conditional
def issue_token(args: dict[str, Any], user_id: UUID, expected_version: int | None) -> Response:
    """A new token for the user (shown once); admins for anyone below them, users for self."""
    recorded = rekindle().users.issue_token(user_id, current_actor(),
                                            expected_version=expected_version)
    token = recorded.extra["token"]
    token_id = parse_token(token)[1]
    return command_response(recorded, {"user_id": str(user_id), "token_id": str(token_id),
                                       "token": token}, 201,
                            created_at=location("users.revoke_token", user_id=user_id,
                                                token_id=token_id))


@blp.route("/<uuid:user_id>/tokens/<uuid:token_id>", methods=["DELETE"])
@responses.command(blp, 200, responses.TokenRevoked)
@requires(*READERS)
@conditional
def revoke_token(user_id: UUID, token_id: UUID, expected_version: int | None) -> Response:
    recorded = rekindle().users.revoke_token(user_id, token_id, current_actor(),
                                             expected_version=expected_version)
    return command_response(recorded, {"user_id": str(user_id), "token_id": str(token_id),
                                       "revoked": True})


@blp.route("/<uuid:user_id>/role", methods=["POST"])
@responses.command(blp, 200, responses.User)
@requires(*ADMINS)
@blp.arguments(RoleChange)
@conditional
def change_role(args: dict[str, Any], user_id: UUID, expected_version: int | None) -> Response:
    recorded = rekindle().users.change_role(user_id, args["role"], current_actor(),
                                            expected_version=expected_version)
    return command_response(recorded, {"id": str(user_id), "role": args["role"]})
