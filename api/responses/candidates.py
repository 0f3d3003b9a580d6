"""Candidates, their opportunities and files, and their history."""

from __future__ import annotations

from marshmallow import fields

from api.responses.base import Body, Columns, page, ref, text, texts, when


class Consent(Body):
    status = fields.String(attribute="consent_status", metadata={
        "description": "none, requested, granted, revoked or expired"})
    deadline = when("consent_deadline")
    granted_at = when("consent_granted_at")


class Gdpr(Body):
    deletion_requested = fields.Function(lambda row: row["deletion_requested_at"] is not None,
                                         metadata={"type": "boolean"})
    anonymized = fields.Function(lambda row: row["anonymized_at"] is not None,
                                 metadata={"type": "boolean"})
    deletion_requested_at = when()
    anonymized_at = when()


class Archived(Body):
    reason = fields.String(attribute="archive_reason")
    at = when("archived_at")
    by = ref("archived_by")


class OpportunitySummary(Body):
    id = fields.UUID(required=True)
    posting_id = ref()
    general = fields.Function(lambda row: row["posting_id"] is None,
                              metadata={"type": "boolean"})
    owner_id = ref()
    stage = text()
    origin = text()
    sources = texts()
    tags = texts()
    archived = Columns(Archived, null_unless="archived_at")
    version = fields.Integer(metadata={"description": "the opportunity's version (its ETag)"})
    created_at = when()


class FileInfo(Body):
    id = fields.UUID(required=True)
    name = text()
    secret = fields.Boolean()
    kind = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = text()


class FileAttached(FileInfo):
    opportunity_id = fields.UUID()


class ReferralInfo(Body):
    referrer_id = ref()
    relationship = fields.String(attribute="referral_relationship", allow_none=True)
    notes = fields.String(attribute="referral_notes", allow_none=True)


class CopiedFrom(Body):
    opportunity_id = fields.UUID(attribute="copied_from_id")
    categories = fields.List(fields.String(), attribute="copied_categories")


class AtsState(Body):
    status = fields.String(attribute="ats_status",
                           metadata={"description": "pending, sent or failed"})
    external_id = fields.String(attribute="ats_external_id", allow_none=True)
    last_error = fields.String(attribute="ats_last_error", allow_none=True)


class OpportunityListed(OpportunitySummary):
    """An opportunity as lists show it: everything but its files."""

    candidate_id = fields.UUID()
    referral = Columns(ReferralInfo, null_unless="referrer_id")
    copied_from = Columns(CopiedFrom, null_unless="copied_from_id")
    ats = Columns(AtsState, null_unless="ats_status")
    created_by = ref()
    updated_at = when()


class Opportunity(OpportunityListed):
    files = fields.List(fields.Nested(FileInfo))


OpportunityPage = page("OpportunityPage", OpportunityListed)


class AtsQueued(Body):
    id = fields.UUID(required=True)
    ats = fields.Nested(AtsState, required=True)


class AtsEventAccepted(Body):
    status = fields.String(required=True, metadata={"description": "accepted"})
    event_id = fields.String(required=True)
    candidate_id = fields.UUID()
    created = fields.Boolean(metadata={"description": "the candidate was new"})
    silver_medallist = fields.Boolean()
    opportunity_id = ref()


class AtsEventDuplicate(Body):
    status = fields.String(required=True, metadata={"description": "duplicate"})
    event_id = fields.String(required=True)


class Candidate(Body):
    id = fields.UUID(required=True)
    name = text()
    emails = texts()
    phones = texts()
    location = text()
    headline = text()
    links = texts()
    tags = texts()
    sources = texts()
    origin = text()
    pools = fields.List(fields.UUID())
    external_ids = fields.Dict(keys=fields.String(), values=fields.String())
    consent = Columns(Consent)
    gdpr = Columns(Gdpr)
    opportunity_tags = texts()
    opportunity_sources = texts()
    archive_reasons = texts()
    stages = texts()
    version = fields.Integer(metadata={"description": "the candidate's version (its ETag)"})
    created_at = when()
    updated_at = when()


class CandidateProfile(Candidate):
    opportunities = fields.List(fields.Nested(OpportunitySummary))


class CandidateAnonymized(Body):
    id = fields.UUID(required=True)
    anonymized = fields.Boolean(required=True)


CandidatePage = page("CandidatePage", Candidate)


class HistoryEvent(Body):
    position = fields.Integer(required=True)
    aggregate_type = text()
    aggregate_id = fields.UUID()
    version = fields.Integer()
    type = fields.String()
    occurred_at = when()
    actor_id = ref()
    data = fields.Dict(metadata={"description": "the event's own fields"})


class History(Body):
    items = fields.List(fields.Nested(HistoryEvent), required=True)
