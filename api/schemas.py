"""Request schemas: they validate every body and query string, and generate the OpenAPI document.

Unknown fields are refused (marshmallow's RAISE, the default); the domain re-checks values,
so these schemas state types and the fixed vocabularies, not business rules.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from domain.access import ROLES
from domain.opportunity import COPY_CATEGORIES, FILE_KINDS, ORIGINS
from domain.posting import POSTING_STATES

MAX_PAGE = 500


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Empty(Strict):
    """For commands without arguments: any field sent is refused."""


class ReadArgs(Strict):
    """Every GET that reads projections: wait until they applied this position (max 5 s)."""

    min_position = fields.Integer(validate=validate.Range(min=0),
                                  metadata={"description": "X-Rekindle-Position to wait for"})


class PageArgs(ReadArgs):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(validate=validate.Length(max=500))


def _texts() -> fields.List:
    return fields.List(fields.String())


# --- users ----------------------------------------------------------------------------------


class UserCreate(Strict):
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class RoleChange(Strict):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class UserListArgs(PageArgs):
    role = fields.String(validate=validate.OneOf(ROLES))


# --- postings -------------------------------------------------------------------------------


class PostingCreate(Strict):
    title = fields.String(required=True)
    team = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    state = fields.String(load_default="draft", validate=validate.OneOf(POSTING_STATES))
    hiring_team = fields.List(fields.UUID(), load_default=list)


class PostingState(Strict):
    state = fields.String(required=True, validate=validate.OneOf(POSTING_STATES))


class HiringTeam(Strict):
    hiring_team = fields.List(fields.UUID(), required=True)


class PostingListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf(POSTING_STATES))


# --- candidates -----------------------------------------------------------------------------


class CandidateCreate(Strict):
    name = fields.String(required=True)
    emails = fields.List(fields.String(), required=True)
    phones = _texts()
    location = fields.String(allow_none=True)
    headline = fields.String(allow_none=True)
    links = _texts()
    tags = _texts()
    sources = _texts()
    origin = fields.String(validate=validate.OneOf(ORIGINS))


class CandidatePatch(Strict):
    name = fields.String()
    emails = fields.List(fields.String())
    phones = _texts()
    location = fields.String(allow_none=True)
    headline = fields.String(allow_none=True)
    links = _texts()
    tags = _texts()
    sources = _texts()


class CandidateArgs(ReadArgs):
    as_of = fields.AwareDateTime(metadata={"description": "the profile as it was then"})


class CandidateListArgs(PageArgs):
    tag = fields.String()
    pool_id = fields.UUID()
    source = fields.String()
    archive_reason = fields.String()
    consent = fields.String(validate=validate.OneOf(
        ("none", "requested", "granted", "revoked", "expired")))
    stage = fields.String()
    q = fields.String(validate=validate.Length(max=200))


# --- opportunities --------------------------------------------------------------------------


class ArchiveSource(Strict):
    reason = fields.String(required=True)


class CopyFrom(Strict):
    opportunity_id = fields.UUID(required=True)
    categories = fields.List(fields.String(validate=validate.OneOf(COPY_CATEGORIES)),
                             required=True)
    archive_source = fields.Nested(ArchiveSource, allow_none=True)


class OpportunityCreate(Strict):
    posting_id = fields.UUID(allow_none=True)
    general = fields.Boolean(load_default=False)
    owner_id = fields.UUID(allow_none=True)
    stage = fields.String()
    origin = fields.String(validate=validate.OneOf(ORIGINS))
    sources = _texts()
    tags = _texts()
    copy_from = fields.Nested(CopyFrom, allow_none=True)


class Archive(Strict):
    reason = fields.String(required=True)


class Convert(Strict):
    posting_id = fields.UUID(required=True)


class Stage(Strict):
    stage = fields.String(required=True)


class Tags(Strict):
    tags = fields.List(fields.String(), required=True)


class Referral(Strict):
    referrer_id = fields.UUID(required=True)
    relationship = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)


class FileForm(Strict):
    secret = fields.Boolean(load_default=False)
    kind = fields.String(load_default="file", validate=validate.OneOf(FILE_KINDS))


class FileUpload(FileForm):
    """The whole multipart body as documented; `secret` and `kind` are read with FileForm."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


# --- consent and GDPR -----------------------------------------------------------------------


class ConsentRequest(Strict):
    deadline_days = fields.Integer(validate=validate.Range(min=1, max=365))


class ConsentGrant(Strict):
    channel = fields.String()
    purposes = _texts()


class Anonymize(Strict):
    reason = fields.String(load_default="admin", validate=validate.OneOf(("request", "admin")))
