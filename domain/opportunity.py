"""An opportunity: one candidate considered for one posting, or for none yet (general)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import NotGeneral, OpportunityActive, OpportunityArchived, ValidationFailed
from domain.personal import Personal

ORIGINS = ("sourced", "applied", "referred", "agency", "university", "internal")
COPY_CATEGORIES = ("files", "resumes", "sources", "tags", "referral")
FILE_KINDS = ("file", "resume")


class Opportunity(Aggregate):
    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("OpportunityCreated")
    def __init__(self, candidate_id: UUID, posting_id: UUID | None, owner_id: UUID, stage: str,
                 origin: str, sources: list[str], tags: list[str], by: Actor) -> None:
        self.candidate_id = candidate_id
        self.posting_id = posting_id
        self.owner_id = owner_id
        self.stage = stage
        self.origin = origin
        self.sources = list(sources)
        self.tags = list(tags)
        self.files: dict[UUID, dict[str, Any]] = {}
        self.referral: dict[str, Any] | None = None
        self.archived: dict[str, Any] | None = None
        self.copied_from: dict[str, Any] | None = None
        self.ats: dict[str, Any] | None = None
        self.created_by = by.user_id

    @property
    def general(self) -> bool:
        return self.posting_id is None

    @property
    def is_archived(self) -> bool:
        return self.archived is not None

    # --- copying from another opportunity ----------------------------------------------------

    def copy_info_from(self, source: Opportunity, categories: list[str], by: Actor) -> None:
        """All or none per category; secret files never; referral only together with sources."""
        unknown = [c for c in categories if c not in COPY_CATEGORIES]
        if unknown:
            raise ValidationFailed.field("copy_from.categories",
                                         f"unknown categories: {', '.join(unknown)}")
        if "referral" in categories and "sources" not in categories:
            raise ValidationFailed.field("copy_from.categories",
                                         "referral is copied only together with sources")
        kinds = [k for k, c in (("file", "files"), ("resume", "resumes")) if c in categories]
        files, names = [], {}
        for file_id, meta in source.files.items():
            if meta["kind"] in kinds and not meta["secret"]:
                new_id = uuid4()
                files.append({**_non_personal(meta), "id": new_id, "copied_from_file_id": file_id})
                names[new_id.hex] = meta.get("name")
        personal: dict[str, Any] = {"file_names": names}
        referral = None
        if "referral" in categories and source.referral:
            referral = {"referrer_id": source.referral["referrer_id"]}
            personal["referral"] = {k: source.referral.get(k) for k in ("relationship", "notes")}
        self._info_copied(
            source_opportunity_id=source.id,
            categories=sorted(set(categories), key=COPY_CATEGORIES.index),
            files=files,
            origin=source.origin if "sources" in categories else None,
            sources=list(source.sources) if "sources" in categories else [],
            tags=list(source.tags) if "tags" in categories else [],
            referral=referral,
            personal=Personal(self.candidate_id, personal),
            by=by,
        )

    @event("InfoCopied")
    def _info_copied(self, source_opportunity_id: UUID, categories: list[str],
                     files: list[dict[str, Any]], origin: str | None, sources: list[str],
                     tags: list[str], referral: dict[str, Any] | None, personal: Personal,
                     by: Actor) -> None:
        names = (personal.data or {}).get("file_names", {})
        for meta in files:
            self.files[meta["id"]] = {**meta, "name": names.get(meta["id"].hex)}
        if origin:
            self.origin = origin
        self.sources += [s for s in sources if s not in self.sources]
        self.tags += [t for t in tags if t not in self.tags]
        if referral is not None:
            self.referral = {**referral, **(personal.data or {}).get("referral", {})}
        self.copied_from = {"opportunity_id": source_opportunity_id, "categories": categories}

    # --- lifecycle ----------------------------------------------------------------------------

    def archive(self, reason: str, at: datetime, by: Actor, *,
                copied_to: UUID | None = None) -> None:
        """`copied_to`: the opportunity the same command copied this one into, which the log
        could not tell otherwise (both are recorded in one transaction)."""
        if self.is_archived:
            raise OpportunityArchived("the opportunity is already archived",
                                      {"opportunity_id": str(self.id)})
        self._archived(reason=reason, at=at, by=by, copied_to_opportunity_id=copied_to)

    @event("OpportunityArchived")
    def _archived(self, reason: str, at: datetime, by: Actor,
                  copied_to_opportunity_id: UUID | None = None) -> None:
        # events recorded before the field existed load with the default
        self.archived = {"reason": reason, "at": at, "by": by.user_id}

    def unarchive(self, by: Actor) -> None:
        if not self.is_archived:
            raise OpportunityActive("the opportunity is not archived",
                                    {"opportunity_id": str(self.id)})
        self._unarchived(by=by)

    @event("OpportunityUnarchived")
    def _unarchived(self, by: Actor) -> None:
        self.archived = None

    def convert_to_posting(self, posting_id: UUID, by: Actor) -> None:
        """A general opportunity becomes posting-specific; same id, whole history kept."""
        if not self.general:
            raise NotGeneral("only a general opportunity can be converted",
                             {"opportunity_id": str(self.id)})
        self._converted(posting_id=posting_id, by=by)

    @event("ConvertedToPosting")
    def _converted(self, posting_id: UUID, by: Actor) -> None:
        self.posting_id = posting_id

    @event("StageChanged")
    def change_stage(self, stage: str, by: Actor) -> None:
        self.stage = stage

    @event("OwnerChanged")
    def change_owner(self, owner_id: UUID, by: Actor) -> None:
        self.owner_id = owner_id

    @event("TagAdded")
    def add_tag(self, tag: str, by: Actor) -> None:
        if tag not in self.tags:
            self.tags.append(tag)

    @event("TagRemoved")
    def remove_tag(self, tag: str, by: Actor) -> None:
        if tag in self.tags:
            self.tags.remove(tag)

    # --- files and referral -------------------------------------------------------------------

    def attach_file(self, name: str, sha256: str, size: int, content_type: str, secret: bool,
                    kind: str, by: Actor) -> UUID:
        file_id = uuid4()
        self._file_attached(
            file={"id": file_id, "sha256": sha256, "size": size, "content_type": content_type,
                  "secret": secret, "kind": kind, "copied_from_file_id": None},
            personal=Personal(self.candidate_id, {"name": name}),
            by=by,
        )
        return file_id

    @event("FileAttached")
    def _file_attached(self, file: dict[str, Any], personal: Personal, by: Actor) -> None:
        self.files[file["id"]] = {**file, "name": personal.get("name")}

    @event("FileRemoved")
    def remove_file(self, file_id: UUID, by: Actor) -> None:
        self.files.pop(file_id, None)

    def record_referral(self, referrer_id: UUID, relationship: str | None, notes: str | None,
                        by: Actor) -> None:
        self._referral_recorded(
            referrer_id=referrer_id,
            personal=Personal(self.candidate_id, {"relationship": relationship, "notes": notes}),
            by=by,
        )

    @event("ReferralRecorded")
    def _referral_recorded(self, referrer_id: UUID, personal: Personal, by: Actor) -> None:
        self.referral = {"referrer_id": referrer_id,
                         "relationship": personal.get("relationship"),
                         "notes": personal.get("notes")}

    # --- sending the application to the ATS -------------------------------------------------

    @event("ApplicationSentToATS")
    def send_to_ats(self, by: Actor) -> None:
        self.ats = {"status": "pending", "external_id": None, "last_error": None}

    @event("ATSApplicationCreated")
    def record_ats_application(self, external_id: str, by: Actor) -> None:
        self.ats = {"status": "sent", "external_id": external_id, "last_error": None}

    @event("ATSDeliveryFailed")
    def record_ats_failure(self, error: str, final: bool, by: Actor) -> None:
        status = "failed" if final else "pending"
        self.ats = {"status": status, "external_id": None, "last_error": error}


def _non_personal(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k != "name"}
