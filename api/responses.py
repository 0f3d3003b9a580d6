"""What the API answers, for the OpenAPI document only: routes build their JSON themselves.

Success schemas allow fields beyond those listed (clients must tolerate additions, API.md) and
require only what every answer carries: a command whose read model lags answers with what the
command knows (`created_response`), so most fields are optional and nullable. The error shape
is exact: `api.errors.error_response` is the only place that builds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint
from marshmallow import INCLUDE, Schema, fields, validate

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


# --- building blocks ----------------------------------------------------------------------------


class Error(Schema):
    """Every error: `api.errors.error_response`."""

    error = fields.String(required=True, metadata={"description": "machine-readable code, "
                                                   "e.g. validation_error, not_found"})
    message = fields.String(required=True, metadata={"description": "human-readable text"})
    details = fields.Dict(required=True, metadata={
        "description": "for validation_error, each offending field with its messages"})


class Body(Schema):
    """A success body: more fields may appear than are listed."""

    class Meta:
        unknown = INCLUDE


def _text() -> fields.String:
    return fields.String(allow_none=True)


def _when() -> fields.DateTime:
    return fields.DateTime(allow_none=True)


def _ref() -> fields.UUID:
    return fields.UUID(allow_none=True)


def _texts() -> fields.List:
    return fields.List(fields.String(), allow_none=True)


def _page(name: str, item: type[Schema]) -> type[Schema]:
    """`{items, next_cursor}` of one item schema (API.md "Lists")."""
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


# --- users --------------------------------------------------------------------------------------


class User(Body):
    id = fields.UUID(required=True)
    name = _text()
    email = _text()
    role = fields.String()
    created_at = _when()


class UserCreated(User):
    token = fields.String(required=True, metadata={"description": "shown once"})


class TokenIssued(Body):
    user_id = fields.UUID(required=True)
    token_id = fields.UUID(required=True)
    token = fields.String(required=True, metadata={"description": "shown once"})


class TokenRevoked(Body):
    user_id = fields.UUID(required=True)
    token_id = fields.UUID(required=True)
    revoked = fields.Boolean(required=True)


UserPage = _page("UserPage", User)


# --- postings -----------------------------------------------------------------------------------


class Posting(Body):
    id = fields.UUID(required=True)
    title = _text()
    team = _text()
    location = _text()
    state = fields.String()
    hiring_team = fields.List(fields.UUID())
    pipeline = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "open opportunities per stage"})
    created_at = _when()
    updated_at = _when()


PostingPage = _page("PostingPage", Posting)


# --- opportunities ------------------------------------------------------------------------------


class Archived(Body):
    reason = fields.String()
    at = _when()
    by = _ref()


class OpportunitySummary(Body):
    id = fields.UUID(required=True)
    posting_id = _ref()
    general = fields.Boolean()
    owner_id = _ref()
    stage = _text()
    origin = _text()
    sources = _texts()
    tags = _texts()
    archived = fields.Nested(Archived, allow_none=True)
    created_at = _when()


class FileInfo(Body):
    id = fields.UUID(required=True)
    name = _text()
    secret = fields.Boolean()
    kind = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = _text()


class FileAttached(FileInfo):
    opportunity_id = fields.UUID()


class ReferralInfo(Body):
    referrer_id = _ref()
    relationship = _text()
    notes = _text()


class CopiedFrom(Body):
    opportunity_id = fields.UUID()
    categories = fields.List(fields.String())


class AtsState(Body):
    status = fields.String(metadata={"description": "pending, sent or failed"})
    external_id = _text()
    last_error = _text()


class Opportunity(OpportunitySummary):
    candidate_id = fields.UUID()
    files = fields.List(fields.Nested(FileInfo))
    referral = fields.Nested(ReferralInfo, allow_none=True)
    copied_from = fields.Nested(CopiedFrom, allow_none=True)
    ats = fields.Nested(AtsState, allow_none=True)
    created_by = _ref()
    updated_at = _when()


class AtsQueued(Body):
    id = fields.UUID(required=True)
    ats = fields.Nested(AtsState, required=True)


class AtsEventAccepted(Body):
    status = fields.String(required=True, metadata={"description": "accepted"})
    event_id = fields.String(required=True)
    candidate_id = fields.UUID()
    created = fields.Boolean(metadata={"description": "the candidate was new"})
    silver_medallist = fields.Boolean()
    opportunity_id = _ref()


class AtsEventDuplicate(Body):
    status = fields.String(required=True, metadata={"description": "duplicate"})
    event_id = fields.String(required=True)


# --- candidates ---------------------------------------------------------------------------------


class Consent(Body):
    status = fields.String(metadata={"description": "none, requested, granted, revoked or "
                                                    "expired"})
    deadline = _when()
    granted_at = _when()


class Gdpr(Body):
    deletion_requested = fields.Boolean()
    anonymized = fields.Boolean()
    deletion_requested_at = _when()
    anonymized_at = _when()


class Candidate(Body):
    id = fields.UUID(required=True)
    name = _text()
    emails = _texts()
    phones = _texts()
    location = _text()
    headline = _text()
    links = _texts()
    tags = _texts()
    sources = _texts()
    origin = _text()
    pools = fields.List(fields.UUID())
    external_ids = fields.Dict(keys=fields.String(), values=fields.String())
    consent = fields.Nested(Consent)
    gdpr = fields.Nested(Gdpr)
    opportunity_tags = fields.List(fields.String())
    opportunity_sources = fields.List(fields.String())
    archive_reasons = fields.List(fields.String())
    stages = fields.List(fields.String())
    created_at = _when()
    updated_at = _when()


class CandidateProfile(Candidate):
    opportunities = fields.List(fields.Nested(OpportunitySummary))


class CandidateAnonymized(Body):
    id = fields.UUID(required=True)
    anonymized = fields.Boolean(required=True)


CandidatePage = _page("CandidatePage", Candidate)


class HistoryEvent(Body):
    position = fields.Integer(required=True)
    aggregate_type = _text()
    aggregate_id = fields.UUID()
    version = fields.Integer()
    type = fields.String()
    occurred_at = _when()
    actor_id = _ref()
    data = fields.Dict(metadata={"description": "the event's own fields"})


class History(Body):
    items = fields.List(fields.Nested(HistoryEvent), required=True)


# --- CRM ----------------------------------------------------------------------------------------


class Pool(Body):
    id = fields.UUID(required=True)
    name = _text()
    description = _text()
    members = fields.Integer()
    created_at = _when()


class MembersAdded(Body):
    id = fields.UUID(required=True)
    added = fields.List(fields.UUID(), required=True)


class MemberRemoved(Body):
    id = fields.UUID(required=True)
    removed = fields.UUID(required=True)


class PoolMember(Body):
    id = fields.UUID(required=True)
    name = _text()
    emails = _texts()
    tags = _texts()
    consent = fields.Nested(Consent)
    added_at = _when()
    added_by_rule = _ref()


PoolPage = _page("PoolPage", Pool)
PoolMemberPage = _page("PoolMemberPage", PoolMember)


class RuleRun(Body):
    cause_event_id = fields.UUID()
    candidate_id = _ref()
    effects = fields.Raw(allow_none=True)
    skipped = fields.Raw(allow_none=True)
    ran_at = _when()


class Rule(Body):
    id = fields.UUID(required=True)
    name = _text()
    trigger = fields.String()
    enabled = fields.Boolean()
    filter = fields.List(fields.Dict(), metadata={"description": "[{field, op, value}]"})
    actions = fields.List(fields.Dict(), metadata={"description": "[{type, ...}]"})
    runs = fields.Integer()
    last_run_at = _when()
    created_at = _when()
    updated_at = _when()
    recent_runs = fields.List(fields.Nested(RuleRun))


RulePage = _page("RulePage", Rule)


class Form(Body):
    id = fields.UUID(required=True)
    title = _text()
    pool_id = _ref()
    consent_text = _text()
    submissions = fields.Integer()
    created_at = _when()


class Reminder(Body):
    id = fields.UUID(required=True)
    candidate_id = fields.UUID()
    assignee_id = _ref()
    due_at = _when()
    note = _text()
    status = fields.String()
    created_by = _ref()
    rule_id = _ref()
    created_at = _when()


class Notification(Body):
    id = fields.UUID(required=True)
    recipient_id = fields.UUID()
    candidate_id = _ref()
    message = _text()
    reason = _text()
    rule_id = _ref()
    created_at = _when()


ReminderPage = _page("ReminderPage", Reminder)
NotificationPage = _page("NotificationPage", Notification)


class Campaign(Body):
    id = fields.UUID(required=True)
    name = _text()
    subject = _text()
    body = _text()
    sent_count = fields.Integer()
    skipped_count = fields.Integer()
    created_at = _when()
    skipped = fields.List(fields.Nested(Skip))


class CampaignSent(Body):
    id = fields.UUID(required=True)
    sent = fields.List(fields.UUID(), required=True)
    skipped = fields.List(fields.Nested(Skip), required=True)


CampaignPage = _page("CampaignPage", Campaign)


class PutForwardResult(Body):
    posting_id = fields.UUID(required=True)
    opportunities = fields.Dict(keys=fields.String(), values=fields.UUID(), required=True,
                                metadata={"description": "new opportunity id by candidate id"})
    skipped = fields.List(fields.Nested(Skip), required=True)


# --- imports and the erasure record -------------------------------------------------------------


class ImportRowError(Body):
    row = fields.Integer(allow_none=True)
    field = _text()
    message = _text()


class ImportStatus(Body):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("running", "done", "failed")))
    rows_total = fields.Integer(allow_none=True)
    rows_imported = fields.Integer()
    rows_duplicate = fields.Integer()
    rows_failed = fields.Integer()
    errors = fields.List(fields.Nested(ImportRowError))
    failure = _text()
    source = _text()
    pool_id = _ref()
    tags = fields.List(fields.String())
    created_at = _when()
    updated_at = _when()


class Erasure(Body):
    candidate_id = fields.UUID(required=True)
    status = fields.String(metadata={"description": "pending or done"})
    reason = _text()
    deletion_requested_at = _when()
    deletion_requested_by = _ref()
    consent_expired_at = _when()
    anonymized_at = _when()
    anonymized_by = _ref()
    anonymized_by_role = _text()
    opened_at = _when()


ErasurePage = _page("ErasurePage", Erasure)
