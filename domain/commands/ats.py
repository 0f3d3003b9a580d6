"""The applicant tracking system: its events come in, applications go out.

In: each ATS event is recorded once by its event id. The candidate is matched by external
id, then by email, else created with source "ATS import"; a rejection after a late stage
(or for `position_filled`) tags them `silver-medallist` and keeps the closed application as
an archived general opportunity.

Out: sending an application marks it pending; the `ats` worker delivers it and records the
outcome (the application's id in the ATS, or the final failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain import access
from domain.access import Access
from domain.actor import SYSTEM_USER_ID, Actor
from domain.ats_event import AtsEvent
from domain.ats_message import parse_ats_message
from domain.candidate import Candidate
from domain.commands.candidates import Candidates, checked_profile
from domain.errors import NotFound, ValidationFailed
from domain.opportunity import Opportunity
from domain.personal import Personal
from domain.ports import Adapters
from domain.recorded import Recorded, command, ensure_version, now
from domain.settings import Settings
from domain.store import EventStore

ATS_SOURCE = "ATS import"
ATS_SYSTEM = "ats"
SILVER_MEDALLIST_TAG = "silver-medallist"


class Ats:
    def __init__(self, store: EventStore, access: Access, candidates: Candidates,
                 adapters: Adapters, settings: Settings) -> None:
        self.store = store
        self.access = access
        self.candidates = candidates
        self.adapters = adapters
        self.settings = settings

    # --- in ---------------------------------------------------------------------------------

    def receive(self, message: Mapping[str, Any], by: Actor) -> Recorded:
        """Records an ATS event once: a replay (same event_id) records nothing."""
        access.ensure_admin(by, "record ATS events")
        parsed = parse_ats_message(message, self.settings.stages)
        return command(lambda: self._receive(parsed, by))()

    def _receive(self, msg: dict[str, Any], by: Actor) -> Recorded:
        receipt_id = AtsEvent.id_for(msg["event_id"])
        if self.store.was_recorded(receipt_id):
            return Recorded(receipt_id, None, {"replayed": True})
        person = msg["candidate"]
        candidate, created = self._match(person, by)
        try:
            if candidate.external_ids.get(ATS_SYSTEM) != person["external_id"]:
                candidate.link_external_id(system=ATS_SYSTEM, external_id=person["external_id"],
                                           by=by)
            if not created and msg["type"] == "candidate.updated":
                self._refresh(candidate, person, by)
            to_save: list[Any] = [candidate]
            opportunity = None
            silver = msg["type"] == "application.rejected" and (
                msg.get("last_stage") in self.settings.ats_late_stages
                or msg.get("rejection_reason") == "position_filled")
            if silver:
                if SILVER_MEDALLIST_TAG not in candidate.tags:
                    candidate.tag(tag=SILVER_MEDALLIST_TAG, by=by)
                opportunity = self._closed_application(candidate.id, msg, by)
                to_save.append(opportunity)
            receipt = AtsEvent(id=receipt_id, ats_event_id=msg["event_id"], type=msg["type"],
                               candidate_id=candidate.id, candidate_created=created,
                               silver_medallist=silver,
                               opportunity_id=opportunity.id if opportunity else None, by=by)
            position = self.store.record(receipt, *to_save)
        except BaseException:
            if created:
                self.adapters.emails.release(candidate.id)
            raise
        self.adapters.external_ids.link(ATS_SYSTEM, person["external_id"], candidate.id)
        return Recorded(receipt_id, position, {"candidate_id": candidate.id, "created": created,
                                               "silver_medallist": silver,
                                               "opportunity_id": receipt.opportunity_id})

    def _match(self, person: dict[str, Any], by: Actor) -> tuple[Candidate, bool]:
        """By external id, then by email, else a new candidate with source "ATS import"."""
        found = self.adapters.external_ids.find(ATS_SYSTEM, person["external_id"])
        if found is None or not self.candidates.is_live(found):
            found = self.candidates.find_by_email(person["email"])
        if found is not None:
            return self.store.load(Candidate, found), False
        profile = checked_profile({"name": person["name"], "emails": [person["email"]],
                                   "phones": [person["phone"]] if person.get("phone") else []})
        return self.candidates.new(profile, tags=[], sources=[ATS_SOURCE], origin="applied",
                                   by=by), True

    def _refresh(self, candidate: Candidate, person: dict[str, Any], by: Actor) -> None:
        changes: dict[str, Any] = {}
        if person["name"] != candidate.profile["name"]:
            changes["name"] = person["name"]
        phone = person.get("phone")
        if phone and phone not in candidate.profile["phones"]:
            changes["phones"] = [*candidate.profile["phones"], phone]
        if changes:
            candidate.update_profile(personal=Personal(candidate.id, changes), tags=None,
                                     sources=None, by=by)

    def _closed_application(self, candidate_id: UUID, msg: dict[str, Any],
                            by: Actor) -> Opportunity:
        """The closed application, kept as an archived general opportunity."""
        stage = msg.get("last_stage")
        opportunity = Opportunity(
            candidate_id=candidate_id, posting_id=None, owner_id=SYSTEM_USER_ID,
            stage=stage if stage in self.settings.stages else self.settings.stages[0],
            origin="applied", sources=[ATS_SOURCE], tags=[SILVER_MEDALLIST_TAG], by=by)
        reason = msg.get("rejection_reason")
        if reason not in self.settings.archive_reasons:
            reason = "other" if "other" in self.settings.archive_reasons \
                else self.settings.archive_reasons[-1]
        opportunity.archive(reason=reason, at=now(), by=by)
        return opportunity

    # --- out --------------------------------------------------------------------------------

    @command
    def send(self, opportunity_id: UUID, by: Actor, *,
             expected_version: int | None = None) -> Recorded:
        """Marks the application pending; the "ats" worker delivers it and records the outcome."""
        access.ensure_writer(by)
        opportunity = self.access.opportunity(by, opportunity_id)
        ensure_version(opportunity, expected_version)
        if not self.settings.ats_url:
            raise ValidationFailed.field("ats", "no ATS is configured (REKINDLE_ATS_URL)")
        self.store.load(Candidate, opportunity.candidate_id).ensure_live()
        if opportunity.ats is not None and opportunity.ats["status"] in ("pending", "sent"):
            raise ValidationFailed.field(
                "opportunity", f"the application was already sent ({opportunity.ats['status']})")
        opportunity.send_to_ats(by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    def payload(self, opportunity_id: UUID) -> tuple[dict[str, Any], str | None]:
        """What the ATS receives, and the candidate's ATS id if it already knows them."""
        opportunity = self.store.load(Opportunity, opportunity_id)
        candidate = self.store.load(Candidate, opportunity.candidate_id)
        if candidate.is_anonymized:
            raise NotFound("the candidate was anonymized", {"candidate_id": str(candidate.id)})
        profile = candidate.profile
        first, _, last = (profile["name"] or "").partition(" ")
        application = {
            "job_id": str(opportunity.posting_id) if opportunity.posting_id else None,
            "source": {"public_name": "Rekindle"}, "referrer": None,
            "stage": opportunity.stage, "tags": list(opportunity.tags),
            "external_reference": str(opportunity.id),
        }
        external_id = candidate.external_ids.get(ATS_SYSTEM)
        if external_id is not None:
            return application, external_id
        return {
            "first_name": first, "last_name": last,
            "email_addresses": [{"value": e, "type": "personal"} for e in profile["emails"]],
            "phone_numbers": [{"value": p, "type": "mobile"} for p in profile["phones"]],
            "addresses": [{"value": profile["location"], "type": "home"}]
            if profile["location"] else [],
            "website_addresses": [{"value": u, "type": "other"} for u in profile["links"]],
            "tags": list(candidate.tags), "external_reference": str(candidate.id),
            "applications": [application],
        }, None

    def record_outcome(self, opportunity_id: UUID, by: Actor, *,
                       tracking: Tracking | None = None, application_id: str | None = None,
                       ats_candidate_id: str | None = None,
                       error: str | None = None) -> Recorded:
        """ATSApplicationCreated, or the final ATSDeliveryFailed, with the worker's tracking."""
        opportunity = self.store.load(Opportunity, opportunity_id)
        to_save: list[Any] = [opportunity]
        if application_id is not None:
            opportunity.record_ats_application(external_id=application_id, by=by)
            if ats_candidate_id is not None:
                candidate = self.store.load(Candidate, opportunity.candidate_id)
                if candidate.external_ids.get(ATS_SYSTEM) != ats_candidate_id:
                    candidate.link_external_id(system=ATS_SYSTEM, external_id=ats_candidate_id,
                                               by=by)
                    to_save.append(candidate)
        else:
            opportunity.record_ats_failure(error=(error or "unknown error")[:500], final=True,
                                           by=by)
        position = self.store.record(*to_save, tracking=tracking)
        if ats_candidate_id is not None and len(to_save) > 1:
            self.adapters.external_ids.link(ATS_SYSTEM, ats_candidate_id, opportunity.candidate_id)
        return Recorded(opportunity.id, position)
