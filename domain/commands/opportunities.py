"""Opportunities: a candidate considered for a posting, or for none yet (general).

A new opportunity is for a published or internal posting, or general, never both and never
neither; its owner is by default the user who adds it. It may copy whole categories from
another opportunity of the same candidate (never secret files; referral only with sources),
and archive that source in the same transaction, once the copy succeeded. Copying is refused
for a candidate with a deletion request or pending anonymization. A general opportunity can
later be converted to a posting's, keeping its id and its history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate
from domain.commands.users import Users
from domain.errors import (
    DomainError,
    GdprBlocked,
    NotFound,
    OpportunityNotOfCandidate,
    ValidationFailed,
)
from domain.lookups import Lookups
from domain.opportunity import COPY_CATEGORIES, ORIGINS, Opportunity
from domain.recorded import Recorded, command, ensure_version, now
from domain.settings import Settings
from domain.store import EventStore


class Opportunities:
    def __init__(self, store: EventStore, access: Access, lookups: Lookups, users: Users,
                 settings: Settings) -> None:
        self.store = store
        self.access = access
        self.lookups = lookups
        self.users = users
        self.settings = settings

    @command
    def add(self, candidate_id: UUID, by: Actor, *, posting_id: UUID | None = None,
            general: bool = False, owner_id: UUID | None = None, stage: str | None = None,
            origin: str | None = None, sources: list[str] | None = None,
            tags: list[str] | None = None, copy_from: Mapping[str, Any] | None = None,
            expected_version: int | None = None) -> Recorded:
        """`expected_version` is the candidate's."""
        access.ensure_writer(by)
        if (posting_id is None) == (general is not True):
            raise ValidationFailed.field(
                "posting_id", "give either a posting_id or general: true, not both and not neither")
        if posting_id is None:
            access.ensure_may_choose(by, None)
            # A limited member's own posting brings any candidate into their scope.
            candidate = self.access.candidate(by, candidate_id)
        else:
            self.access.posting_to_choose(by, posting_id)
            candidate = self.store.load(Candidate, candidate_id)
        ensure_version(candidate, expected_version)
        candidate.ensure_live()
        if owner_id is not None and owner_id != by.user_id:
            self.users.known("owner_id", [owner_id])
        opportunity = Opportunity(
            candidate_id=candidate.id, posting_id=posting_id, owner_id=owner_id or by.user_id,
            stage=v.one_of("stage", stage or self.settings.stages[0], self.settings.stages),
            origin=v.one_of("origin", origin or "sourced", ORIGINS),
            sources=v.texts("sources", sources), tags=v.texts("tags", tags), by=by)
        to_save: list[Any] = [opportunity]
        if copy_from is not None:
            to_save.append(self._copy_into(opportunity, candidate, copy_from, by))
        return Recorded(opportunity.id, self.store.record(*to_save))

    def _copy_into(self, opportunity: Opportunity, candidate: Candidate,
                   copy_from: Mapping[str, Any], by: Actor) -> Opportunity:
        """Copies first; archives the source only after, in the same save (one transaction)."""
        if candidate.is_gdpr_blocked:
            raise GdprBlocked(
                "copying is disabled for a candidate with a deletion request or pending "
                "anonymization", {"candidate_id": str(candidate.id)})
        source_id = v.uuid("copy_from.opportunity_id", copy_from.get("opportunity_id"))
        categories = copy_from.get("categories") or []
        if not isinstance(categories, list) or not categories:
            raise ValidationFailed.field("copy_from.categories",
                                         f"choose one or more of: {', '.join(COPY_CATEGORIES)}")
        try:
            source = self.access.opportunity(by, source_id)
        except NotFound:
            source = None
        if source is None or source.candidate_id != candidate.id:
            raise OpportunityNotOfCandidate("copy_from.opportunity_id is not an opportunity of "
                                            "this candidate", {"opportunity_id": str(source_id)})
        opportunity.copy_info_from(source, categories, by)
        archive = copy_from.get("archive_source")
        if archive is not None:
            reason = v.one_of("copy_from.archive_source.reason",
                              (archive or {}).get("reason"), self.settings.archive_reasons)
            source.archive(reason=reason, at=now(), by=by, copied_to=opportunity.id)
        return source

    def _writable(self, opportunity_id: UUID, by: Actor, expected_version: int | None
                  ) -> Opportunity:
        access.ensure_writer(by)
        opportunity = self.access.opportunity(by, opportunity_id)
        ensure_version(opportunity, expected_version)
        return opportunity

    @command
    def archive(self, opportunity_id: UUID, reason: str, by: Actor, *,
                expected_version: int | None = None) -> Recorded:
        reason = v.one_of("reason", reason, self.settings.archive_reasons)
        opportunity = self._writable(opportunity_id, by, expected_version)
        opportunity.archive(reason=reason, at=now(), by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    @command
    def unarchive(self, opportunity_id: UUID, by: Actor, *,
                  expected_version: int | None = None) -> Recorded:
        opportunity = self._writable(opportunity_id, by, expected_version)
        opportunity.unarchive(by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    @command
    def convert(self, opportunity_id: UUID, posting_id: UUID, by: Actor, *,
                expected_version: int | None = None) -> Recorded:
        opportunity = self._writable(opportunity_id, by, expected_version)
        posting = self.access.posting_to_choose(by, posting_id)
        opportunity.convert_to_posting(posting_id=posting.id, by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    @command
    def change_stage(self, opportunity_id: UUID, stage: str, by: Actor, *,
                     expected_version: int | None = None) -> Recorded:
        stage = v.one_of("stage", stage, self.settings.stages)
        opportunity = self._writable(opportunity_id, by, expected_version)
        if stage != opportunity.stage:
            opportunity.change_stage(stage=stage, by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    @command
    def add_tags(self, opportunity_id: UUID, tags: list[str], by: Actor, *,
                 expected_version: int | None = None) -> Recorded:
        tags = v.texts("tags", tags)
        if not tags:
            raise ValidationFailed.field("tags", "give at least one tag")
        opportunity = self._writable(opportunity_id, by, expected_version)
        for tag in tags:
            if tag not in opportunity.tags:
                opportunity.add_tag(tag=tag, by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    @command
    def remove_tag(self, opportunity_id: UUID, tag: str, by: Actor, *,
                   expected_version: int | None = None) -> Recorded:
        opportunity = self._writable(opportunity_id, by, expected_version)
        if tag not in opportunity.tags:
            raise NotFound("the opportunity has no such tag", {"tag": tag})
        opportunity.remove_tag(tag=tag, by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    @command
    def record_referral(self, opportunity_id: UUID, referrer_id: UUID, by: Actor, *,
                        relationship: str | None = None, notes: str | None = None,
                        expected_version: int | None = None) -> Recorded:
        opportunity = self._writable(opportunity_id, by, expected_version)
        self.users.known("referrer_id", [referrer_id])
        opportunity.record_referral(
            referrer_id=referrer_id,
            relationship=v.text("relationship", relationship, required=False),
            notes=v.text("notes", notes, required=False, max_len=5000), by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    def put_forward(self, candidate_ids: list[UUID], posting_id: UUID, by: Actor, *,
                    expected_version: int | None = None) -> Recorded:
        """A new position for known candidates: one opportunity each for the posting; those
        already on it, or refused, are skipped with the reason. `expected_version` is the
        posting's."""
        access.ensure_writer(by)
        ensure_version(self.access.posting_to_choose(by, posting_id), expected_version)
        candidates = self.access.candidates(by, "candidate_ids", v.uuids("candidate_ids",
                                                                         candidate_ids))
        created: dict[str, str] = {}
        skipped: list[dict[str, str]] = []
        position = None
        for candidate in candidates:
            if any(o.posting_id == posting_id for o in self.lookups.opportunities_of(candidate.id)):
                skipped.append({"candidate_id": str(candidate.id), "reason": "already_on_posting"})
                continue
            try:
                done = self.add(candidate.id, by, posting_id=posting_id)
            except DomainError as error:
                skipped.append({"candidate_id": str(candidate.id), "reason": error.code})
                continue
            created[str(candidate.id)] = str(done.id)
            position = done.position
        return Recorded(posting_id, position, {"opportunities": created, "skipped": skipped})
