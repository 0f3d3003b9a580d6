"""Request schemas: they validate every body and query string, and generate the OpenAPI document.

Unknown fields are refused (marshmallow's RAISE, the default), and every field is strict and
bounded (api/fields.py); the domain checks values again, so these schemas state types and
the fixed vocabularies, not the product's rules.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from api.fields import Flag, FormFlag, Id, Items, Text, Whole
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
    cursor = Text(max_length=500)


def _texts() -> Items:
    return Items(Text())


# --- users ----------------------------------------------------------------------------------


class UserCreate(Strict):
    name = Text(required=True)
    email = Text(required=True)
    role = Text(required=True, validate=validate.OneOf(ROLES))


class RoleChange(Strict):
    role = Text(required=True, validate=validate.OneOf(ROLES))


class UserListArgs(PageArgs):
    role = Text(validate=validate.OneOf(ROLES))


# --- postings -------------------------------------------------------------------------------


class PostingCreate(Strict):
    title = Text(required=True)
    team = Text(allow_none=True)
    location = Text(allow_none=True)
    state = Text(load_default="draft", validate=validate.OneOf(POSTING_STATES))
    hiring_team = Items(Id(), load_default=list)


class PostingState(Strict):
    state = Text(required=True, validate=validate.OneOf(POSTING_STATES))


class HiringTeam(Strict):
    hiring_team = Items(Id(), required=True)


class PostingListArgs(PageArgs):
    state = Text(validate=validate.OneOf(POSTING_STATES))


# --- candidates -----------------------------------------------------------------------------


class CandidateCreate(Strict):
    name = Text(required=True)
    emails = Items(Text(), required=True)
    phones = _texts()
    location = Text(allow_none=True)
    headline = Text(allow_none=True)
    links = _texts()
    tags = _texts()
    sources = _texts()
    origin = Text(validate=validate.OneOf(ORIGINS))


class CandidatePatch(Strict):
    name = Text()
    emails = Items(Text())
    phones = _texts()
    location = Text(allow_none=True)
    headline = Text(allow_none=True)
    links = _texts()
    tags = _texts()
    sources = _texts()


class CandidateArgs(ReadArgs):
    as_of = fields.AwareDateTime(metadata={"description": "the profile as it was then"})


class CandidateListArgs(PageArgs):
    tag = Text()
    pool_id = Id()
    posting_id = Id(metadata={"description": "candidates with an opportunity for this posting"})
    source = Text()
    archive_reason = Text()
    consent = Text(validate=validate.OneOf(
        ("none", "requested", "granted", "revoked", "expired")))
    stage = Text()
    q = Text(validate=validate.Length(max=200))


# --- opportunities --------------------------------------------------------------------------


class ArchiveSource(Strict):
    reason = Text(required=True)


class CopyFrom(Strict):
    opportunity_id = Id(required=True)
    categories = Items(Text(validate=validate.OneOf(COPY_CATEGORIES)),
                             required=True)
    archive_source = fields.Nested(ArchiveSource, allow_none=True)


class OpportunityCreate(Strict):
    posting_id = Id(allow_none=True)
    general = Flag(load_default=False)
    owner_id = Id(allow_none=True)
    stage = Text()
    origin = Text(validate=validate.OneOf(ORIGINS))
    sources = _texts()
    tags = _texts()
    copy_from = fields.Nested(CopyFrom, allow_none=True)


class Archive(Strict):
    reason = Text(required=True)


class Convert(Strict):
    posting_id = Id(required=True)


class Stage(Strict):
    stage = Text(required=True)


class Tags(Strict):
    tags = Items(Text(), required=True)


class Referral(Strict):
    referrer_id = Id(required=True)
    relationship = Text(allow_none=True)
    notes = Text(allow_none=True)


class FileForm(Strict):
    secret = FormFlag(load_default=False)
    kind = Text(load_default="file", validate=validate.OneOf(FILE_KINDS))


class FileUpload(FileForm):
    """The whole multipart body as documented; `secret` and `kind` are read with FileForm."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


# --- consent and GDPR -----------------------------------------------------------------------


class ConsentRequest(Strict):
    deadline_days = Whole(validate=validate.Range(min=1, max=365))


class ConsentGrant(Strict):
    channel = Text()
    purposes = _texts()


class AtsCandidate(Strict):
    external_id = Text(required=True)
    name = Text(required=True)
    email = Text(required=True)
    phone = Text(allow_none=True)


class AtsJob(Strict):
    external_id = Text(required=True)
    title = Text()


class AtsEventMessage(Strict):
    """An inbound ATS event as the ATS sends it (documentation: the route checks the
    signature of the raw bytes, then the domain checks each field)."""

    event_id = Text(required=True, metadata={"description": "the ATS's id: handled once"})
    type = Text(required=True, validate=validate.OneOf(
        ("application.rejected", "application.hired", "candidate.updated")))
    occurred_at = fields.AwareDateTime(required=True)
    candidate = fields.Nested(AtsCandidate, required=True)
    job = fields.Nested(AtsJob)
    rejection_reason = Text()
    last_stage = Text()


class Anonymize(Strict):
    reason = Text(load_default="admin", validate=validate.OneOf(("request", "admin")))
