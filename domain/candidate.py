"""The candidate: one person's profile, pools, consent and GDPR state, kept for years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import GdprBlocked
from domain.personal import Personal

PROFILE_FIELDS = ("name", "emails", "phones", "location", "headline", "links")


@dataclass
class Consent:
    """`since` is the candidate version of the event that opened this state (the request, the
    grant): a personal link answers that one, and no later one. `text_sha256` is the text
    asked about or agreed to; `valid_until` is when a grant runs out."""

    status: str = "none"  # none, requested, granted, revoked, expired
    deadline: datetime | None = None
    granted_at: datetime | None = None
    channel: str | None = None
    purposes: tuple[str, ...] = ()
    since: int | None = None
    text_sha256: str | None = None
    valid_until: datetime | None = None
    requested_at: datetime | None = None


Proof = dict[str, Any]
"""What a consent event records as its proof: `channel`, `text_sha256` (of the text the
person was shown), `at`, and where they apply `form_id` and `message_id`."""


class Candidate(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("CandidateCreated")
    def __init__(self, id: UUID, personal: Personal, tags: list[str], sources: list[str],
                 origin: str, by: Actor) -> None:
        self.personal = personal
        self.tags = list(tags)
        self.sources = list(sources)
        self.origin = origin
        self.pool_ids: list[UUID] = []
        self.consent = Consent()
        self.deletion_requested_at: datetime | None = None
        self.anonymized_at: datetime | None = None
        self.external_ids: dict[str, str] = {}
        self.campaigns_sent: list[UUID] = []
        self.created_by = by.user_id

    # --- reading ------------------------------------------------------------------------------

    @property
    def profile(self) -> dict[str, Any]:
        data = self.personal.data or {}
        return {
            "name": data.get("name") if not self.personal.erased else None,
            "emails": list(data.get("emails", [])),
            "phones": list(data.get("phones", [])),
            "location": data.get("location"),
            "headline": data.get("headline"),
            "links": list(data.get("links", [])),
        }

    @property
    def emails(self) -> list[str]:
        return self.profile["emails"]

    @property
    def is_anonymized(self) -> bool:
        return self.anonymized_at is not None

    @property
    def is_gdpr_blocked(self) -> bool:
        """No copying for a candidate with a deletion request or pending anonymization."""
        return self.deletion_requested_at is not None or self.is_anonymized or (
            self.consent.status == "expired"
        )

    def ensure_live(self) -> None:
        if self.is_anonymized:
            raise GdprBlocked("the candidate was anonymized", {"candidate_id": str(self.id)})

    # --- profile ------------------------------------------------------------------------------

    @event("ProfileUpdated")
    def update_profile(self, personal: Personal, tags: list[str] | None,
                       sources: list[str] | None, by: Actor) -> None:
        merged = dict(self.personal.data or {})
        merged.update(personal.data or {})
        self.personal = Personal(self.id, merged)
        if tags is not None:
            self.tags = list(tags)
        if sources is not None:
            self.sources = list(sources)

    @event("CandidateTagged")
    def tag(self, tag: str, by: Actor) -> None:
        if tag not in self.tags:
            self.tags.append(tag)

    @event("CandidateUntagged")
    def untag(self, tag: str, by: Actor) -> None:
        if tag in self.tags:
            self.tags.remove(tag)

    @event("SourceAdded")
    def add_source(self, source: str, by: Actor) -> None:
        if source not in self.sources:
            self.sources.append(source)

    @event("AddedToPool")
    def add_to_pool(self, pool_id: UUID, by: Actor) -> None:
        if pool_id not in self.pool_ids:
            self.pool_ids.append(pool_id)

    @event("RemovedFromPool")
    def remove_from_pool(self, pool_id: UUID, by: Actor) -> None:
        if pool_id in self.pool_ids:
            self.pool_ids.remove(pool_id)

    @event("ExternalIdLinked")
    def link_external_id(self, system: str, external_id: str, by: Actor) -> None:
        self.external_ids[system] = external_id

    # --- campaigns ----------------------------------------------------------------------------

    @event("CampaignSent")
    def receive_campaign(self, campaign_id: UUID, by: Actor) -> None:
        """The campaign goes to this candidate (the mailer sends it): at most once each."""
        if campaign_id not in self.campaigns_sent:
            self.campaigns_sent.append(campaign_id)

    @event("CampaignSkipped")
    def skip_campaign(self, campaign_id: UUID, reason: str, by: Actor) -> None:
        """A send of the campaign that did not go to this candidate, and why."""

    # --- consent and GDPR ---------------------------------------------------------------------

    @event("ConsentRequested")
    def request_consent(self, deadline: datetime, by: Actor, proof: Proof | None = None) -> None:
        self.consent = Consent(status="requested", deadline=deadline, since=self.version + 1,
                               channel=(proof or {}).get("channel"),
                               text_sha256=(proof or {}).get("text_sha256"),
                               requested_at=(proof or {}).get("at"))

    @event("ConsentGranted")
    def grant_consent(self, channel: str, purposes: list[str], at: datetime, by: Actor,
                      proof: Proof | None = None, valid_until: datetime | None = None) -> None:
        self.consent = Consent(status="granted", deadline=None, granted_at=at,
                               channel=channel, purposes=tuple(purposes),
                               since=self.version + 1,
                               text_sha256=(proof or {}).get("text_sha256"),
                               valid_until=valid_until)

    @event("ConsentRevoked")
    def revoke_consent(self, by: Actor, proof: Proof | None = None) -> None:
        self.consent = Consent(status="revoked", since=self.version + 1)

    @event("ConsentExpired")
    def expire_consent(self, by: Actor, proof: Proof | None = None,
                       deadline: datetime | None = None) -> None:
        """An unanswered request at its deadline, or a grant at the end of its validity
        (`deadline`): that moment stays the deadline, which the anonymization counts from."""
        self.consent = Consent(status="expired", deadline=deadline or self.consent.deadline,
                               since=self.version + 1)

    @event("DeletionRequested")
    def request_deletion(self, at: datetime, by: Actor) -> None:
        self.deletion_requested_at = at

    @event("CandidateAnonymized")
    def anonymize(self, reason: str, at: datetime, by: Actor) -> None:
        self.anonymized_at = at
        self.personal = Personal(self.id, None)
