"""Reaching candidates: invitations sent, the mails list and the consent proof."""

from __future__ import annotations

from marshmallow import fields, validate

from api.responses.base import Body, Skip, page, ref, text, when
from domain.mail import KINDS, STATUSES


class InvitationsSent(Body):
    id = fields.UUID(required=True)
    form_id = fields.UUID(required=True)
    invited = fields.List(fields.UUID(), required=True)
    skipped = fields.List(fields.Nested(Skip), required=True)


class Mail(Body):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    candidate_id = ref()
    recipient_user_id = ref()
    campaign_id = ref()
    variant = text()
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    attempts = fields.Integer(required=True)
    last_error = text()
    message_id = fields.String(metadata={"description": "the Message-ID header it carries"})
    created_at = when()
    sent_at = when()


MailPage = page("MailPage", Mail)


class ProofActor(Body):
    user_id = fields.UUID()
    role = text()


class ConsentProofEntry(Body):
    event = fields.String(required=True)
    status = fields.String()
    version = fields.Integer()
    channel = text()
    text_sha256 = text()
    text = fields.String(allow_none=True)  # named text: the helper is hidden from here on
    at = when()
    form_id = ref()
    message_id = fields.String(allow_none=True)
    recorded_at = when()
    by = fields.Nested(ProofActor, allow_none=True)


class ConsentProof(Body):
    items = fields.List(fields.Nested(ConsentProofEntry), required=True)

