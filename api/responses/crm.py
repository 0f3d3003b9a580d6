"""Pools, rules, talent forms, reminders, notifications, campaigns, imports, erasures."""

from __future__ import annotations

from marshmallow import fields, validate

from api.responses.base import Body, Columns, Skip, page, ref, text, texts, when


class Pool(Body):
    id = fields.UUID(required=True)
    name = text()
    description = text()
    members = fields.Integer(metadata={"description": "members the caller may see"})
    version = fields.Integer(metadata={"description": "the pool's version (its ETag)"})
    created_at = when()


class MembersAdded(Body):
    id = fields.UUID(required=True)
    added = fields.List(fields.UUID(), required=True)


class MemberRemoved(Body):
    id = fields.UUID(required=True)
    removed = fields.UUID(required=True)


class MemberConsent(Body):
    status = fields.String(attribute="consent_status")


class PoolMember(Body):
    id = fields.UUID(required=True, attribute="candidate_id")
    name = text()
    emails = texts()
    tags = texts()
    consent = Columns(MemberConsent)
    added_at = when()
    added_by_rule = ref()


PoolPage = page("PoolPage", Pool)
PoolMemberPage = page("PoolMemberPage", PoolMember)


class RuleRun(Body):
    cause_event_id = fields.UUID()
    candidate_id = ref()
    effects = fields.Raw(allow_none=True)
    skipped = fields.Raw(allow_none=True)
    ran_at = when()


class Rule(Body):
    id = fields.UUID(required=True)
    name = text()
    trigger = fields.String()
    enabled = fields.Boolean()
    filter = fields.List(fields.Dict(), metadata={"description": "[{field, op, value}]"})
    actions = fields.List(fields.Dict(), metadata={"description": "[{type, ...}]"})
    runs = fields.Integer()
    last_run_at = when()
    version = fields.Integer(metadata={"description": "the rule's version (its ETag)"})
    created_at = when()
    updated_at = when()
    recent_runs = fields.List(fields.Nested(RuleRun))


RulePage = page("RulePage", Rule)


class Form(Body):
    id = fields.UUID(required=True)
    title = text()
    pool_id = ref()
    consent_text = text()
    submissions = fields.Integer()
    version = fields.Integer(metadata={"description": "the form's version (its ETag)"})
    created_at = when()


FormPage = page("FormPage", Form)


class Reminder(Body):
    id = fields.UUID(required=True)
    candidate_id = fields.UUID()
    assignee_id = ref()
    due_at = when()
    note = text()
    status = fields.String()
    created_by = ref()
    rule_id = ref()
    created_at = when()


class Notification(Body):
    id = fields.UUID(required=True)
    recipient_id = fields.UUID()
    candidate_id = ref()
    message = text()
    reason = text()
    rule_id = ref()
    created_at = when()


ReminderPage = page("ReminderPage", Reminder)
NotificationPage = page("NotificationPage", Notification)


class MailCounts(Body):
    """A campaign's mails by status: `sent` counts the mails the mail server accepted."""

    queued = fields.Integer(required=True)
    sent = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)


class Campaign(Body):
    id = fields.UUID(required=True)
    name = text()
    subject = text()
    body = text()
    sent_count = fields.Integer()
    skipped_count = fields.Integer()
    version = fields.Integer(metadata={"description": "the campaign's version (its ETag)"})
    created_at = when()
    skipped = fields.List(fields.Nested(Skip))
    mails = fields.Nested(MailCounts)


class CampaignSent(Body):
    id = fields.UUID(required=True)
    sent = fields.List(fields.UUID(), required=True)
    skipped = fields.List(fields.Nested(Skip), required=True)


CampaignPage = page("CampaignPage", Campaign)


class PutForwardResult(Body):
    posting_id = fields.UUID(required=True)
    opportunities = fields.Dict(keys=fields.String(), values=fields.UUID(), required=True,
                                metadata={"description": "new opportunity id by candidate id"})
    skipped = fields.List(fields.Nested(Skip), required=True)


class ImportRowError(Body):
    row = fields.Integer(allow_none=True)
    field = text()
    message = text()


class ImportStatus(Body):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("running", "done", "failed")))
    rows_total = fields.Function(
        lambda row: row["rows_imported"] + row["rows_duplicate"] + row["rows_failed"],
        metadata={"type": "integer"})
    rows_imported = fields.Integer()
    rows_duplicate = fields.Integer()
    rows_failed = fields.Integer()
    errors = fields.List(fields.Nested(ImportRowError))
    failure = text()
    source = text()
    pool_id = ref()
    tags = texts()
    created_at = when()
    updated_at = when()


class Erasure(Body):
    candidate_id = fields.UUID(required=True)
    status = fields.String(metadata={"description": "pending or done"})
    reason = text()
    deletion_requested_at = when()
    deletion_requested_by = ref()
    consent_expired_at = when()
    anonymized_at = when()
    anonymized_by = ref()
    anonymized_by_role = text()
    opened_at = when()


ErasurePage = page("ErasurePage", Erasure)
