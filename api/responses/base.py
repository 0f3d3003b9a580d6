"""The building blocks of the answers' shapes.

Each shape is described once, as a schema here, and that schema both documents the answer
(the OpenAPI document) and renders it (api/rendering.py) from what the queries return: the
read models' rows, whose column a field names with `attribute` when it is called otherwise.
A group of columns rendered as one object (a candidate's `consent`) is a `Columns` field.
Success bodies may carry more fields than are listed (clients tolerate additions); the error
shape is exact.
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, fields


class Error(Schema):
    """Every error: `api.errors.error_response`."""

    error = fields.String(required=True, metadata={"description": "machine-readable code, "
                                                   "e.g. validation_error, not_found"})
    message = fields.String(required=True, metadata={"description": "human-readable text"})
    details = fields.Dict(required=True, metadata={
        "description": "for validation_error, each offending field with its messages"})


class DuplicateDetails(Schema):
    candidate_id = fields.UUID(required=True, metadata={"description": "the live candidate "
                                                        "who has the address"})
    email = fields.String(metadata={"description": "the address"})


class DuplicateCandidate(Error):
    """409 `duplicate_candidate`: an email is already on a live candidate."""

    details = fields.Nested(DuplicateDetails, required=True)


DUPLICATE_CANDIDATE = ("`duplicate_candidate`: an email is already on a live (not anonymized) "
                       "candidate, named by `details.candidate_id`; also `version_conflict` "
                       "(retry) and `gdpr_blocked`")


class Body(Schema):
    """A success body: more fields may appear than are listed."""

    class Meta:
        unknown = INCLUDE


class Columns(fields.Nested):
    """An object made of some columns of the same row; `null_unless` names a column that,
    when NULL, makes the whole object null (an opportunity's `archived`, `referral`...)."""

    def __init__(self, nested: type[Schema], *, null_unless: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(nested, allow_none=null_unless is not None, **kwargs)
        self.null_unless = null_unless

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        if self.null_unless is not None and obj.get(self.null_unless) is None:
            return None
        return obj


def text() -> fields.String:
    return fields.String(allow_none=True)


def when(attribute: str | None = None) -> fields.DateTime:
    return fields.DateTime(allow_none=True, attribute=attribute)


def ref(attribute: str | None = None) -> fields.UUID:
    return fields.UUID(allow_none=True, attribute=attribute)


def texts() -> fields.List:
    return fields.List(fields.String())


def page(name: str, item: type[Schema]) -> type[Schema]:
    """`{items, next_cursor}` of one item schema."""
    return type(name, (Body,), {
        "__doc__": f"A page of {item.__name__}; pass next_cursor as `cursor` for the next.",
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(allow_none=True, required=True)})


class Status(Body):
    status = fields.String(required=True)


class Readiness(Body):
    status = fields.String(required=True, metadata={"description": "ok or unavailable"})
    checks = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True)
    stuck = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "read models stopped at an event they cannot apply: for each, the "
                       "event's position and type and the reason (`{position, event, error, "
                       "since}`)"})


class Skip(Body):
    candidate_id = fields.UUID()
    reason = fields.String()


class Created(Body):
    """The answer of a command that created something, when the read models have not caught
    up with it within the wait: GET its `Location` with `min_position` for the rest."""

    id = fields.UUID(required=True)
