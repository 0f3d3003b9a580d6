"""How routes document their answers in the OpenAPI document (flask-smorest's registry)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.idempotency import POSITION_HEADER

F = TypeVar("F", bound=Callable[..., Any])

POSITION = {POSITION_HEADER: {
    "description": "Position of the last event recorded; pass it as `min_position` to read "
                   "your write.",
    "schema": {"type": "integer", "minimum": 0}}}
LOCATION = {"Location": {"description": "URL of the resource created",
                         "schema": {"type": "string", "format": "uri-reference"}}}
ETAG = {"ETag": {"description": 'the resource\'s version, `"<version>"`: send it as '
                                "`If-Match` to write only on that version",
                 "schema": {"type": "string"}}}
BINARY = {"type": "string", "format": "binary",
          "description": "the bytes, with the Content-Type given at upload"}


def documents(blp: Blueprint, status: int, success: bool = True,
              **response: Any) -> Callable[[F], F]:
    """`blp.alt_response` without its per-request wrapper: the view is unchanged, only the
    documentation flask-smorest reads at registration (`_apidoc`) is added."""

    def decorate(view: F) -> F:
        documented = blp.alt_response(status, success=success, **response)(view)
        view._apidoc = documented._apidoc  # type: ignore[attr-defined]
        return view

    return decorate


def command(blp: Blueprint, status: int, schema: type[Schema],
            description: str | None = None) -> Callable[[F], F]:
    """A command's answer: its body and `X-Rekindle-Position`; a 201's `Location` too."""
    headers = {**POSITION, **LOCATION} if status == 201 else POSITION
    return documents(blp, status, schema=schema, headers=headers, description=description)


def read(blp: Blueprint, schema: type[Schema] | dict[str, Any], status: int = 200,
         content_type: str | None = None, *, etag: bool = False) -> Callable[[F], F]:
    """A read's answer (or any answer without a position); `etag` for one resource's GET,
    whose row holds its version (api/conditional.py)."""
    return documents(blp, status, schema=schema, content_type=content_type,
                     headers=ETAG if etag else None)


def answers(*statuses: int | tuple[int, str]) -> Callable[[F], F]:
    """Error statuses a route answers beyond those its declarations imply, each alone or
    with its description (api/openapi.py derives the rest: 401 from `requires`, 412 from
    `conditional`, ...)."""

    def decorate(view: F) -> F:
        view._rekindle_answers = (*getattr(view, "_rekindle_answers", ()),  # type: ignore[attr-defined]
                                  *statuses)
        return view

    return decorate


def null_or_nested(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a nullable nested object is "null or that object".

    apispec's own OpenAPI 3.0 form, `anyOf: [{type: object, nullable: true}, $ref]`, lets any
    object through, so nothing inside `archived`, `referral`, `ats`... would be checked.
    """
    loose = {"type": "object", "nullable": True}
    any_of = kwargs["ret"].get("anyOf")
    if not isinstance(field, fields.Nested) or not any_of or loose not in any_of:
        return {}
    return {"anyOf": [s for s in any_of if s != loose] + [{**loose, "enum": [None]}]}
