"""Commands for bulk import and the ATS interface (seed 004, options 2 and 4, step 5).

A mixin of the `Rekindle` command service (domain/application.py): methods here use
`self.load`, `self.record`, `self.adapters` and `self.settings` like the core commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.utils import get_topic

from domain import validation as v
from domain.actor import SYSTEM_USER_ID, Actor
from domain.ats_event import AtsEvent
from domain.candidate import Candidate
from domain.commands import Recorded, command, now
from domain.errors import NotFound, ValidationFailed
from domain.import_job import ImportJob
from domain.opportunity import Opportunity
from domain.personal import Personal

DEFAULT_IMPORT_SOURCE = "Excel import"
ATS_SOURCE = "ATS import"
ATS_SYSTEM = "ats"
SILVER_MEDALLIST_TAG = "silver-medallist"
ATS_EVENT_TYPES = ("application.rejected", "application.hired", "candidate.updated")
FIELD_NAMES = {"emails": "email", "phones": "phone", "links": "link"}
CANDIDATE_CREATED = get_topic(Candidate.CandidateCreated)
CANDIDATE_ANONYMIZED = get_topic(Candidate.CandidateAnonymized)


@dataclass
class ImportBatch:
    """A checked batch of an import: its collected events and the candidates it claimed."""

    processing: ProcessingEvent[UUID]
    claimed: list[UUID]
    job_id: UUID
    rows_done: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def collect(self, aggregate: Any) -> None:
        self.processing.events.extend(aggregate.collect_events())
        self.processing.aggregates[aggregate.id] = aggregate


class IntakeCommands:
    # --- spreadsheet import (option 2) ----------------------------------------------------------

    def start_import(self, by: Actor, *, file_format: str, file_size: int,
                     source: str | None = None, pool_id: UUID | None = None,
                     tags: list[str] | None = None) -> Recorded:
        """Records the job before any row is read, so its progress can be followed at once."""
        job = ImportJob(
            id=ImportJob.create_id(),
            file_format=v.one_of("file", file_format, ("csv", "xlsx", "xls", "ods")),
            file_size=int(file_size),
            source=v.text("source", source, required=False) or DEFAULT_IMPORT_SOURCE,
            pool_id=self._known_pool(pool_id) if pool_id is not None else None,
            tags=v.texts("tags", tags),
            by=by,
        )
        return Recorded(job.id, self.record(job), {"job": job})

    def import_rows(self, job: ImportJob, rows: list[tuple[int, Mapping[str, Any]]],
                    by: Actor) -> Recorded:
        """Imports one batch: new candidates and the job's progress in one transaction."""
        return self.record_import_batch(self.prepare_import_batch(job, rows, by))

    def prepare_import_batch(self, job: ImportJob, rows: list[tuple[int, Mapping[str, Any]]],
                             by: Actor, seen: set[str] | None = None) -> ImportBatch:
        """Checks a batch, claims its emails and creates its keys; nothing is recorded yet.

        Claims, keys and the owners' liveness take one round trip each for the whole batch.
        A row whose email is on a live candidate, or earlier in the file (`seen`, kept by
        the caller across batches), counts as a duplicate. The job's progress event and the
        candidates' events are collected here, so the batch can be recorded in another
        thread while the next one is prepared.
        """
        seen = set() if seen is None else seen
        errors: list[dict[str, Any]] = []
        valid: list[tuple[str, dict[str, Any], list[str], list[str]]] = []
        duplicates = 0
        for number, row in rows:
            try:
                profile, tags, sources = self._import_profile(job, row)
            except ValidationFailed as error:
                field, messages = next(iter(error.details.items()), ("row", [error.message]))
                errors.append({"row": number, "field": FIELD_NAMES.get(field, field),
                               "message": messages[0]})
                continue
            address = profile["emails"][0].lower()
            if address in seen:
                duplicates += 1
                continue
            seen.add(address)
            valid.append((address, profile, tags, sources))
        ids = [Candidate.create_id() for _ in valid]
        taken = self.adapters.emails.claim_many(
            [(address, cid) for (address, *_), cid in zip(valid, ids, strict=True)])
        batch = ImportBatch(ProcessingEvent[UUID](), ids, job.id)
        try:
            live = self._live_candidates(set(taken.values()))
            fresh: list[tuple[UUID, dict[str, Any], list[str], list[str]]] = []
            for (address, profile, tags, sources), cid in zip(valid, ids, strict=True):
                owner = taken.get(address)
                if owner is not None and (owner in live
                                          or not self._take_over_claim(address, owner, cid)):
                    duplicates += 1
                    continue
                fresh.append((cid, profile, tags, sources))
            batch.claimed = [cid for cid, *_ in fresh]
            self.adapters.keys.create_keys(batch.claimed)
            for cid, profile, tags, sources in fresh:
                candidate = Candidate(id=cid, personal=Personal(cid, profile), tags=tags,
                                      sources=sources, origin="sourced", by=by)
                if job.pool_id is not None:
                    candidate.add_to_pool(pool_id=job.pool_id, by=by)
                batch.collect(candidate)
            job.record_batch(rows_imported=len(fresh), rows_duplicate=duplicates,
                             rows_failed=len(errors), errors=errors, by=by)
            batch.collect(job)
        except BaseException:
            self.abandon_import_batch(batch)
            raise
        batch.rows_done = job.rows_total
        batch.counts = {"imported": len(fresh), "duplicate": duplicates, "failed": len(errors)}
        return batch

    def record_import_batch(self, batch: ImportBatch) -> Recorded:
        """Records a prepared batch in one transaction; if that fails its claims are released.

        The events were collected when the batch was prepared: the library's save() would
        collect them again with two runtime-protocol checks per aggregate (slow on 3.11).
        """
        try:
            recordings = self._record(batch.processing)
            self._take_snapshots(batch.processing)
            self._notify(recordings)
        except BaseException:
            self.abandon_import_batch(batch)
            raise
        position = recordings[-1].notification.id if recordings else None
        return Recorded(batch.job_id, position, dict(batch.counts))

    def abandon_import_batch(self, batch: ImportBatch) -> None:
        """Releases the claims of a batch that will not be recorded (its keys stay unused)."""
        for cid in batch.claimed:
            self.adapters.emails.release(cid)

    def _live_candidates(self, ids: set[UUID]) -> set[UUID]:
        """Which of these ids are recorded, not anonymized candidates, in one query.

        Reads only the events' topics, so a re-run of a large file costs one round trip per
        batch instead of loading every owner.
        """
        if not ids:
            return set()
        datastore = getattr(self.recorder, "datastore", None)
        table = getattr(self.recorder, "events_table_name", None)
        if datastore is None or table is None:
            return {i for i in ids if self._is_live_candidate(i)}
        from psycopg.sql import SQL, Identifier

        query = SQL("SELECT originator_id FROM {}.{} WHERE originator_id = ANY(%s) "
                    "GROUP BY originator_id HAVING bool_or(topic = %s) "
                    "AND NOT bool_or(topic = %s)").format(Identifier(datastore.schema),
                                                           Identifier(table))
        with datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(query, (list(ids), CANDIDATE_CREATED, CANDIDATE_ANONYMIZED))
            return {row["originator_id"] for row in cursor.fetchall()}

    def _import_profile(self, job: ImportJob,
                        row: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
        email = row.get("email")
        if email is None:
            raise ValidationFailed.field("email", "is required")
        profile = {
            "emails": [v.email("email", email)],
            "name": v.text("name", row.get("name")),
            "phones": v.texts("phones", row.get("phones"), max_len=40, max_items=10),
            "location": v.text("location", row.get("location"), required=False),
            "headline": v.text("headline", row.get("headline"), required=False, max_len=500),
            "links": v.texts("links", row.get("links"), max_len=2000, max_items=20),
        }
        tags = v.texts("tags", [*job.tags, *(row.get("tags") or [])])
        source = v.text("source", row.get("source"), required=False) or job.source
        return profile, tags, [source]

    def _take_over_claim(self, email: str, owner: UUID, candidate_id: UUID) -> bool:
        """A claim left by a candidate that was never recorded (a crash) is taken over."""
        if self._is_live_candidate(owner):
            return False
        self.adapters.emails.release(owner, [email])
        return self.adapters.emails.claim(email, candidate_id) is None

    def finish_import(self, job: ImportJob, by: Actor) -> Recorded:
        job.finish(rows_total=job.rows_total, by=by)
        return Recorded(job.id, self.record(job))

    def fail_import(self, job_id: UUID, reason: str, by: Actor) -> Recorded:
        """Reloads the job: a batch that failed to save left the in-memory one ahead."""
        job = self.load(ImportJob, job_id)
        if job.status == "running":
            job.fail(reason=reason[:500], by=by)
        return Recorded(job.id, self.record(job))

    def import_job(self, job_id: UUID) -> ImportJob:
        return self.load(ImportJob, job_id)

    def _known_pool(self, pool_id: UUID) -> UUID:
        try:
            pool = self.repository.get(pool_id)
        except AggregateNotFoundError:
            pool = None
        if pool is None or type(pool).__name__ != "Pool":
            raise ValidationFailed.field("pool_id", "unknown pool")
        return pool_id

    # --- ATS inbound (option 4) -----------------------------------------------------------------

    def receive_ats_event(self, message: Mapping[str, Any], by: Actor) -> Recorded:
        """Records an ATS event once: a replay (same event_id) records nothing."""
        parsed = parse_ats_message(message, self.settings.stages)
        return command(lambda: self._receive_ats_event(parsed, by))()

    def _receive_ats_event(self, msg: dict[str, Any], by: Actor) -> Recorded:
        receipt_id = AtsEvent.id_for(msg["event_id"])
        if self._exists_any(receipt_id):
            return Recorded(receipt_id, None, {"replayed": True})
        person = msg["candidate"]
        candidate, created, claimed = self._match_ats_candidate(person, by)
        try:
            if candidate.external_ids.get(ATS_SYSTEM) != person["external_id"]:
                candidate.link_external_id(system=ATS_SYSTEM, external_id=person["external_id"],
                                           by=by)
            if not created and msg["type"] == "candidate.updated":
                self._refresh_from_ats(candidate, person, by)
            to_save: list[Any] = [candidate]
            opportunity = None
            silver = msg["type"] == "application.rejected" and (
                msg.get("last_stage") in self.settings.ats_late_stages
                or msg.get("rejection_reason") == "position_filled")
            if silver:
                if SILVER_MEDALLIST_TAG not in candidate.tags:
                    candidate.tag(tag=SILVER_MEDALLIST_TAG, by=by)
                opportunity = self._archived_general_opportunity(candidate.id, msg, by)
                to_save.append(opportunity)
            receipt = AtsEvent(id=receipt_id, ats_event_id=msg["event_id"], type=msg["type"],
                               candidate_id=candidate.id, candidate_created=created,
                               silver_medallist=silver,
                               opportunity_id=opportunity.id if opportunity else None, by=by)
            position = self.record(receipt, *to_save)
        except BaseException:
            if claimed:
                self.adapters.emails.release(candidate.id)
            raise
        external = getattr(self.adapters, "external_ids", None)
        if external is not None:
            external.link(ATS_SYSTEM, person["external_id"], candidate.id)
        return Recorded(receipt_id, position, {"candidate_id": candidate.id, "created": created,
                                                "silver_medallist": silver,
                                                "opportunity_id": receipt.opportunity_id})

    def _exists_any(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def _match_ats_candidate(self, person: dict[str, Any],
                             by: Actor) -> tuple[Candidate, bool, bool]:
        """By external id, then by email, else a new candidate with source "ATS import"."""
        external = getattr(self.adapters, "external_ids", None)
        found = external.find(ATS_SYSTEM, person["external_id"]) if external else None
        if found is None or not self._is_live_candidate(found):
            found = self.find_candidate_by_email(person["email"])
        if found is not None:
            return self.load(Candidate, found), False, False
        cid = Candidate.create_id()
        self._claim_emails(cid, [person["email"]])
        try:
            self.adapters.keys.create_key(cid)
            profile = {"name": person["name"], "emails": [person["email"]],
                       "phones": [person["phone"]] if person.get("phone") else [],
                       "location": None, "headline": None, "links": []}
            candidate = Candidate(id=cid, personal=Personal(cid, profile), tags=[],
                                  sources=[ATS_SOURCE], origin="applied", by=by)
        except BaseException:
            self.adapters.emails.release(cid)
            raise
        return candidate, True, True

    def _refresh_from_ats(self, candidate: Candidate, person: dict[str, Any], by: Actor) -> None:
        changes: dict[str, Any] = {}
        if person["name"] != candidate.profile["name"]:
            changes["name"] = person["name"]
        phone = person.get("phone")
        if phone and phone not in candidate.profile["phones"]:
            changes["phones"] = [*candidate.profile["phones"], phone]
        if changes:
            candidate.update_profile(personal=Personal(candidate.id, changes), tags=None,
                                     sources=None, by=by)

    def _archived_general_opportunity(self, candidate_id: UUID, msg: dict[str, Any],
                                      by: Actor) -> Opportunity:
        """The closed application, kept as an archived general opportunity (archive_reason)."""

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

    # --- ATS outbound (step 5) ------------------------------------------------------------------

    def send_to_ats(self, opportunity_id: UUID, by: Actor) -> Recorded:
        """Marks the application pending; the "ats" worker delivers it and records the outcome."""
        if not self.settings.ats_url:
            raise ValidationFailed.field("ats", "no ATS is configured (REKINDLE_ATS_URL)")
        opportunity = self.opportunity_for(opportunity_id, by)
        self.load(Candidate, opportunity.candidate_id).ensure_live()
        if opportunity.ats is not None and opportunity.ats["status"] in ("pending", "sent"):
            raise ValidationFailed.field(
                "opportunity", f"the application was already sent ({opportunity.ats['status']})")
        opportunity.send_to_ats(by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    def ats_payload(self, opportunity_id: UUID) -> tuple[dict[str, Any], str | None]:
        """What the ATS receives, and the candidate's ATS id if it already knows them."""
        opportunity = self.load(Opportunity, opportunity_id)
        candidate = self.load(Candidate, opportunity.candidate_id)
        if candidate.is_anonymized:
            raise NotFound("the candidate was anonymized", {"candidate_id": str(candidate.id)})
        profile = candidate.profile
        first, _, last = (profile["name"] or "").partition(" ")
        application = {
            "job_id": str(opportunity.posting_id) if opportunity.posting_id else None,
            "source": {"public_name": "Rekindle"},
            "referrer": None,
            "stage": opportunity.stage,
            "tags": list(opportunity.tags),
            "external_reference": str(opportunity.id),
        }
        external_id = candidate.external_ids.get(ATS_SYSTEM)
        if external_id is not None:
            return application, external_id
        return {
            "first_name": first,
            "last_name": last,
            "email_addresses": [{"value": e, "type": "personal"} for e in profile["emails"]],
            "phone_numbers": [{"value": p, "type": "mobile"} for p in profile["phones"]],
            "addresses": [{"value": profile["location"], "type": "home"}]
            if profile["location"] else [],
            "website_addresses": [{"value": u, "type": "other"} for u in profile["links"]],
            "tags": list(candidate.tags),
            "external_reference": str(candidate.id),
            "applications": [application],
        }, None

    def record_ats_outcome(self, opportunity_id: UUID, by: Actor, *, tracking: Any = None,
                           application_id: str | None = None,
                           ats_candidate_id: str | None = None,
                           error: str | None = None) -> Recorded:
        """ATSApplicationCreated, or the final ATSDeliveryFailed, with the worker's tracking."""
        opportunity = self.load(Opportunity, opportunity_id)
        to_save: list[Any] = [opportunity]
        if application_id is not None:
            opportunity.record_ats_application(external_id=application_id, by=by)
            if ats_candidate_id is not None:
                candidate = self.load(Candidate, opportunity.candidate_id)
                if candidate.external_ids.get(ATS_SYSTEM) != ats_candidate_id:
                    candidate.link_external_id(system=ATS_SYSTEM, external_id=ats_candidate_id,
                                               by=by)
                    to_save.append(candidate)
        else:
            opportunity.record_ats_failure(error=(error or "unknown error")[:500], final=True,
                                           by=by)
        position = self.record(*to_save, tracking=tracking)
        external = getattr(self.adapters, "external_ids", None)
        if ats_candidate_id is not None and external is not None and len(to_save) > 1:
            external.link(ATS_SYSTEM, ats_candidate_id, opportunity.candidate_id)
        return Recorded(opportunity.id, position)


def parse_ats_message(message: Any, stages: tuple[str, ...]) -> dict[str, Any]:
    """Checks an inbound ATS message (API.md); every problem is named by its field."""
    if not isinstance(message, Mapping):
        raise ValidationFailed("the message must be a JSON object", {"_schema": ["not an object"]})
    problems: dict[str, list[str]] = {}

    def check(field: str, fn: Any) -> Any:
        try:
            return fn()
        except ValidationFailed as error:
            for key, messages in error.details.items():
                problems.setdefault(key, []).extend(messages)
            return None

    known = {"event_id", "type", "occurred_at", "candidate", "job", "rejection_reason",
             "last_stage"}
    for key in sorted(set(message) - known):
        problems[key] = ["unknown field"]
    event_id = check("event_id", lambda: v.text("event_id", _as_text(message.get("event_id")),
                                                 max_len=200))
    kind = check("type", lambda: v.one_of("type", message.get("type"), ATS_EVENT_TYPES))
    occurred = message.get("occurred_at")
    try:
        occurred_at = datetime.fromisoformat(str(occurred).replace("Z", "+00:00"))
        if occurred_at.tzinfo is None:
            raise ValueError
    except ValueError:
        problems.setdefault("occurred_at", []).append("must be an ISO 8601 timestamp with a "
                                                       "timezone")
    person = message.get("candidate")
    candidate: dict[str, Any] = {}
    if not isinstance(person, Mapping):
        problems.setdefault("candidate", []).append("must be an object")
    else:
        candidate = {
            "external_id": check("candidate.external_id", lambda: v.text(
                "candidate.external_id", _as_text(person.get("external_id")), max_len=200)),
            "name": check("candidate.name", lambda: v.text("candidate.name", person.get("name"))),
            "email": check("candidate.email",
                           lambda: v.email("candidate.email", person.get("email"))),
            "phone": check("candidate.phone", lambda: v.text(
                "candidate.phone", _as_text(person.get("phone")), required=False, max_len=40)),
        }
    job = message.get("job")
    if job is not None and not isinstance(job, Mapping):
        problems.setdefault("job", []).append("must be an object")
    reason = check("rejection_reason", lambda: v.text(
        "rejection_reason", message.get("rejection_reason"), required=False, max_len=100))
    stage = check("last_stage", lambda: v.text("last_stage", message.get("last_stage"),
                                               required=False, max_len=100))
    if problems:
        raise ValidationFailed("the ATS message is malformed", problems)
    return {"event_id": event_id, "type": kind, "candidate": candidate,
            "job": dict(job) if job else None, "rejection_reason": reason, "last_stage": stage}


def _as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
