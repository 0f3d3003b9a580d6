"""Campaigns: sent only to candidates whose consent is granted; the others are recorded as
skipped, with the reason."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.campaign import Campaign
from domain.candidate import Candidate
from domain.commands.audience import audience, ensure_one_audience
from domain.lookups import Lookups
from domain.recorded import Recorded, command, ensure_version
from domain.store import EventStore


def skip_reason(candidate: Candidate) -> str | None:
    """Why a campaign does not go to this candidate, or None if it does."""
    if candidate.is_anonymized:
        return "anonymized"
    if candidate.deletion_requested_at is not None:
        return "deletion_requested"
    if candidate.consent.status != "granted":
        return f"consent_{candidate.consent.status}"
    return None


def deliver(campaign: Campaign, candidates: list[Candidate], by: Actor
            ) -> tuple[list[UUID], list[dict[str, Any]]]:
    """Sends the campaign to each candidate who may receive it and has not yet, and records
    the others as skipped with the reason. The fact is recorded on the candidate, so a
    campaign reaches a candidate at most once however often it is sent, and no send writes
    to the campaign itself. Returns the ids it went to and the skipped ones' reasons."""
    sent, skipped = [], []
    for candidate in candidates:
        reason = skip_reason(candidate)
        if reason is None and campaign.id in candidate.campaigns_sent:
            reason = "already_sent"
        if reason:
            candidate.skip_campaign(campaign_id=campaign.id, reason=reason, by=by)
            skipped.append({"candidate_id": str(candidate.id), "reason": reason})
        else:
            candidate.receive_campaign(campaign_id=campaign.id, by=by)
            sent.append(candidate.id)
    return sent, skipped


class Campaigns:
    def __init__(self, store: EventStore, access: Access, lookups: Lookups) -> None:
        self.store = store
        self.access = access
        self.lookups = lookups

    @command
    def create(self, name: str, subject: str, body: str, by: Actor) -> Recorded:
        access.ensure_writer(by)
        campaign = Campaign(name=v.text("name", name), subject=v.text("subject", subject),
                            body=v.text("body", body, max_len=100_000), by=by)
        return Recorded(campaign.id, self.store.record(campaign))

    @command
    def send(self, campaign_id: UUID, by: Actor, *, candidate_ids: Any = None,
             pool_id: UUID | None = None, expected_version: int | None = None) -> Recorded:
        """To the named candidates, or to a pool's members (those the caller may see)."""
        access.ensure_writer(by)
        ensure_one_audience(candidate_ids, pool_id)
        campaign = self.store.load(Campaign, campaign_id)
        ensure_version(campaign, expected_version)
        candidates = audience(self.store, self.access, self.lookups, by,
                              candidate_ids=candidate_ids, pool_id=pool_id)
        sent, skipped = deliver(campaign, candidates, by)
        return Recorded(campaign.id, self.store.record(*candidates),
                        {"sent": [str(c) for c in sent], "skipped": skipped})
