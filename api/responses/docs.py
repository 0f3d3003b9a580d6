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
    """A command's answer: its body and `X-Rekindle-Position`."""
    return documents(blp, status, schema=schema, headers=POSITION, description=description)


def read(blp: Blueprint, schema: type[Schema] | dict[str, Any], status: int = 200,
         content_type: str | None = None) -> Callable[[F], F]:
    """A read's answer (or any answer without a position)."""
    return documents(blp, status, schema=schema, content_type=content_type)


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
