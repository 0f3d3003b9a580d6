"""Which events cause which mails: what is sent when.

- ConsentRequested (by a recruiter or a rule): a consent request to the candidate. A request
  made by a talent form sends none: the form's confirmation mail carries it.
- SubmissionReceived waiting for confirmation: the confirmation link to the address given.
- InvitationsSent: each invited candidate their personal follow-up link.
- CampaignSent (on a candidate): the campaign to that candidate, once per campaign and
  candidate whatever sends, rules or redeliveries led there (the mail's id is the pair's).
- NotificationRecorded: the notification to its recipient user.

The consent reminder and the renewal request are queued by the chores (`Mails.queue_consent`),
caused by the request and the grant they follow.

An event older than `STALE_AFTER` when the mailer first meets it causes nothing: a mailer
started on a store with years of history must not mail everyone about everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.mail import mail_id

STALE_AFTER = timedelta(days=7)
CAUSES = frozenset({("Candidate", "ConsentRequested"), ("Candidate", "CampaignSent"),
                    ("FormSubmission", "SubmissionReceived"),
                    ("FormInvitation", "InvitationsSent"),
                    ("Notification", "NotificationRecorded")})


@dataclass(frozen=True)
class Cause:
    """An event as a cause of mails: its ids and non-personal data."""

    event_id: UUID
    aggregate_type: str
    type: str
    aggregate_id: UUID
    version: int
    occurred_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MailSpec:
    id: UUID
    kind: str
    cause_id: UUID
    candidate_id: UUID | None = None
    recipient_user_id: UUID | None = None
    campaign_id: UUID | None = None
    variant: str | None = None
    refs: Mapping[str, str] = field(default_factory=dict)


def spec(kind: str, cause_id: UUID, *, candidate_id: UUID | None = None,
         recipient_user_id: UUID | None = None, campaign_id: UUID | None = None,
         variant: str | None = None, refs: Mapping[str, str] | None = None) -> MailSpec:
    """A mail's spec, its id derived from the cause and the person it goes to."""
    recipient = recipient_user_id if kind == "notification" else candidate_id
    return MailSpec(mail_id(cause_id, kind, recipient_id=recipient, variant=variant), kind,
                    cause_id, candidate_id, recipient_user_id, campaign_id, variant,
                    dict(refs or {}))


def _uuid(value: Any) -> UUID | None:
    return value if isinstance(value, UUID) or value is None else UUID(str(value))


def mails_caused_by(cause: Cause) -> list[MailSpec]:
    """The mails this event causes (none for most events)."""
    if (cause.aggregate_type, cause.type) not in CAUSES:
        return []
    data = cause.data
    if cause.type == "ConsentRequested":
        channel = (data.get("proof") or {}).get("channel")
        if channel == "form":
            return []
        return [spec("consent_request", cause.event_id, candidate_id=cause.aggregate_id,
                     variant="request", refs={"ref": f"r{cause.version}:request"})]
    if cause.type == "CampaignSent":
        campaign = _uuid(data["campaign_id"])
        assert campaign is not None
        return [spec("campaign", campaign, candidate_id=cause.aggregate_id,
                     campaign_id=campaign)]
    if cause.type == "SubmissionReceived":
        if not data.get("confirm_by"):
            return []
        return [spec("form_confirmation", cause.event_id,
                     candidate_id=_uuid(data["candidate_id"]),
                     refs={"submission_id": str(cause.aggregate_id),
                           "form_id": str(data["form_id"])})]
    if cause.type == "InvitationsSent":
        return [spec("follow_up", cause.event_id, candidate_id=_uuid(c),
                     refs={"invitation_id": str(cause.aggregate_id),
                           "form_id": str(data["form_id"])})
                for c in data.get("candidate_ids", [])]
    refs = {"notification_id": str(cause.aggregate_id)}
    if data.get("reminder_id"):
        refs["reminder_id"] = str(data["reminder_id"])
    return [spec("notification", cause.event_id, candidate_id=_uuid(data.get("candidate_id")),
                 recipient_user_id=_uuid(data["recipient_id"]), refs=refs)]


def is_stale(cause: Cause, at: datetime) -> bool:
    return at - cause.occurred_at > STALE_AFTER
