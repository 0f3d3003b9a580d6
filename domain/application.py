"""The command service: one method per command, each enforcing the seeds' rules.

Every command returns a `Recorded` with the position of the last event it stored, so
callers can ask the read side to wait for it (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.persistence import (
    JSONTranscoder,
    ProcessRecorder,
    Tracking,
)
from eventsourcing.utils import resolve_topic

from domain import validation as v
from domain.actor import Actor, ActorAsDict
from domain.candidate import Candidate
from domain.commands import Recorded, T, command, now
from domain.crm import CrmCommands
from domain.errors import (
    DomainError,
    DuplicateCandidate,
    Forbidden,
    GdprBlocked,
    NotFound,
    OpportunityNotOfCandidate,
    PostingNotFound,
    ValidationFailed,
)
from domain.gdpr import GdprCommands
from domain.intake import IntakeCommands
from domain.opportunity import COPY_CATEGORIES, FILE_KINDS, Opportunity
from domain.personal import Personal, PersonalAsSealed
from domain.ports import Adapters
from domain.posting import Posting
from domain.settings import ORIGINS, POSTING_STATES, ROLES, Settings
from domain.user import User

ADMIN_ROLES = ("super_admin", "admin")


def collected(aggregates: Sequence[Any], tracking: Tracking | None) -> ProcessingEvent[UUID]:
    """The aggregates' pending events, as the library's `save` collects them, without its
    runtime protocol checks (is it an event? can it collect events?): on Python 3.11 they
    cost about 50 µs per aggregate saved, and ours are always aggregates."""
    processing = ProcessingEvent[UUID](tracking=tracking)
    for aggregate in aggregates:
        if aggregate is not None:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
    return processing


class Rekindle(CrmCommands, IntakeCommands, GdprCommands, Application[UUID]):
    name = "Rekindle"

    def __init__(self, env: Mapping[str, str] | None = None, *,
                 adapters: Adapters | None = None, settings: Settings | None = None) -> None:
        merged = {**(env or {})}
        if adapters is None:
            import os

            topic = merged.get("REKINDLE_ADAPTERS") or os.environ.get("REKINDLE_ADAPTERS")
            if not topic:
                raise RuntimeError("Rekindle needs adapters, or REKINDLE_ADAPTERS naming a factory")
            adapters = resolve_topic(topic)(merged)
        self.adapters = adapters
        self.settings = settings or Settings.from_env()
        super().__init__(merged)

    def construct_recorder(self) -> ProcessRecorder:
        """A process recorder, so a consumer's effects and its tracking commit together."""
        return self.factory.process_recorder()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(ActorAsDict())
        transcoder.register(PersonalAsSealed(self.adapters.keys))

    # --- plumbing -------------------------------------------------------------------------------

    def record(self, *aggregates: Any, tracking: Tracking | None = None) -> int | None:
        """Saves the aggregates' new events in one transaction; returns the last position.

        With `tracking`, a consumer's position is recorded in the same transaction, so an
        effect is stored exactly once however often its cause is delivered (a repeat raises
        IntegrityError, which consumers treat as "already done").
        """
        processing = collected(aggregates, tracking)
        if tracking is not None and not processing.events:
            self.recorder.insert_tracking(tracking)
            return None
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings[-1].notification.id if recordings else None

    def load(self, cls: type[T], aggregate_id: UUID, *, missing: type[DomainError] = NotFound) -> T:
        try:
            aggregate = self._get(cls, aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, cls):
            raise missing(f"no {cls.__name__.lower()} with id {aggregate_id}",
                          {"id": str(aggregate_id)})
        return aggregate

    def _get(self, cls: type, aggregate_id: UUID) -> Any:
        """Replays a kind that is never snapshotted without first looking for a snapshot.

        The repository asks the snapshot store for every aggregate once any kind is
        snapshotted: a round trip per load that only Rules can use. The replay is the
        library's `project_aggregate` without its assertion that each event is a
        `CanMutateProtocol`: on Python 3.11 a runtime protocol check costs about 34 µs, per
        event of every load.
        """
        if self.snapshots is None or any(issubclass(kind, cls) or issubclass(cls, kind)
                                         for kind in self.snapshotting_intervals or {}):
            return self.repository.get(aggregate_id)
        aggregate = None
        for event in self.events.get(aggregate_id):
            aggregate = event.mutate(aggregate)
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        return aggregate

    def exists(self, cls: type, aggregate_id: UUID) -> bool:
        try:
            self.load(cls, aggregate_id)
        except NotFound:
            return False
        return True

    # --- users ----------------------------------------------------------------------------------

    @command
    def create_user(self, name: str, email: str, role: str, by: Actor, *,
                    token: str | None = None, user_id: UUID | None = None) -> Recorded:
        name = v.text("name", name)
        email = v.email("email", email)
        role = v.one_of("role", role, ROLES)
        if by.role != "system":
            if by.role not in ADMIN_ROLES:
                raise Forbidden("only admins create users")
            if role == "super_admin" and by.role != "super_admin":
                raise Forbidden("only a super_admin creates another super_admin")
        new_id = user_id or User.create_id()
        self.adapters.keys.create_key(new_id)
        user = User(personal=Personal(new_id, {"name": name, "email": email}), role=role, by=by,
                    id=new_id)
        issued = user.issue_token(by=by, token=token)
        return Recorded(user.id, self.record(user), {"token": issued, "user": user})

    @command
    def issue_token(self, user_id: UUID, by: Actor) -> Recorded:
        user = self.load(User, user_id)
        token = user.issue_token(by=by)
        return Recorded(user.id, self.record(user), {"token": token})

    @command
    def revoke_token(self, user_id: UUID, token_id: UUID, by: Actor) -> Recorded:
        user = self.load(User, user_id)
        if token_id not in user.tokens:
            raise NotFound("no such token", {"token_id": str(token_id)})
        user.revoke_token(token_id=token_id, by=by)
        return Recorded(user.id, self.record(user))

    @command
    def change_role(self, user_id: UUID, role: str, by: Actor) -> Recorded:
        role = v.one_of("role", role, ROLES)
        if role == "super_admin" and by.role != "super_admin":
            raise Forbidden("only a super_admin grants super_admin")
        user = self.load(User, user_id)
        if user.role == "super_admin" and by.role != "super_admin":
            raise Forbidden("only a super_admin changes a super_admin")
        user.change_role(role=role, by=by)
        return Recorded(user.id, self.record(user))

    # --- postings -------------------------------------------------------------------------------

    @command
    def create_posting(self, title: str, by: Actor, *, team: str | None = None,
                       location: str | None = None, state: str = "draft",
                       hiring_team: list[UUID] | None = None) -> Recorded:
        posting = Posting(
            title=v.text("title", title),
            team=v.text("team", team, required=False),
            location=v.text("location", location, required=False),
            state=v.one_of("state", state, POSTING_STATES),
            hiring_team=self._known_users("hiring_team", hiring_team or []),
            by=by,
        )
        return Recorded(posting.id, self.record(posting))

    @command
    def change_posting_state(self, posting_id: UUID, state: str, by: Actor) -> Recorded:
        state = v.one_of("state", state, POSTING_STATES)
        posting = self.load(Posting, posting_id)
        if state != posting.state:
            posting.change_state(state=state, by=by)
        return Recorded(posting.id, self.record(posting))

    @command
    def change_hiring_team(self, posting_id: UUID, hiring_team: list[UUID], by: Actor) -> Recorded:
        posting = self.load(Posting, posting_id)
        posting.change_hiring_team(hiring_team=self._known_users("hiring_team", hiring_team),
                                   by=by)
        return Recorded(posting.id, self.record(posting))

    def _known_users(self, field_name: str, user_ids: list[UUID]) -> list[UUID]:
        unique = list(dict.fromkeys(user_ids))
        unknown = [str(u) for u in unique if not self.exists(User, u)]
        if unknown:
            raise ValidationFailed.field(field_name, f"unknown users: {', '.join(unknown)}")
        return unique

    # --- candidates -----------------------------------------------------------------------------

    @command
    def create_candidate(self, name: str, emails: list[str], by: Actor, *,
                         phones: list[str] | None = None, location: str | None = None,
                         headline: str | None = None, links: list[str] | None = None,
                         tags: list[str] | None = None, sources: list[str] | None = None,
                         origin: str | None = None) -> Recorded:
        profile = {
            "name": v.text("name", name),
            "emails": v.emails("emails", emails, required=True),
            "phones": v.texts("phones", phones, max_len=40, max_items=10),
            "location": v.text("location", location, required=False),
            "headline": v.text("headline", headline, required=False, max_len=500),
            "links": v.texts("links", links, max_len=2000, max_items=20),
        }
        tags = v.texts("tags", tags)
        sources = v.texts("sources", sources)
        origin = v.one_of("origin", origin or "sourced", ORIGINS)
        candidate_id = Candidate.create_id()
        self._claim_emails(candidate_id, profile["emails"])
        try:
            self.adapters.keys.create_key(candidate_id)
            candidate = Candidate(personal=Personal(candidate_id, profile), tags=tags,
                                  sources=sources, origin=origin, by=by, id=candidate_id)
            position = self.record(candidate)
        except BaseException:
            self.adapters.emails.release(candidate_id)
            raise
        return Recorded(candidate.id, position)

    def _claim_emails(self, candidate_id: UUID, emails: list[str]) -> None:
        """First claim wins; a claim left by a candidate that was never recorded is taken over."""
        claimed: list[str] = []
        for address in emails:
            owner = self.adapters.emails.claim(address, candidate_id)
            if owner is not None and owner != candidate_id:
                if self._is_live_candidate(owner):
                    self.adapters.emails.release(candidate_id, claimed)
                    raise DuplicateCandidate(
                        "a live candidate already has this email",
                        {"candidate_id": str(owner), "email": address},
                    )
                self.adapters.emails.release(owner, [address])
                self.adapters.emails.claim(address, candidate_id)
            claimed.append(address)

    def _is_live_candidate(self, candidate_id: UUID) -> bool:
        try:
            return not self.load(Candidate, candidate_id).is_anonymized
        except NotFound:
            return False

    def find_candidate_by_email(self, email: str) -> UUID | None:
        owner = self.adapters.emails.owner(email)
        return owner if owner is not None and self._is_live_candidate(owner) else None

    @command
    def update_profile(self, candidate_id: UUID, changes: Mapping[str, Any], by: Actor) -> Recorded:
        candidate = self.load(Candidate, candidate_id)
        candidate.ensure_live()
        checks: dict[str, Callable[[Any], Any]] = {
            "name": lambda x: v.text("name", x),
            "emails": lambda x: v.emails("emails", x, required=True),
            "phones": lambda x: v.texts("phones", x, max_len=40, max_items=10),
            "location": lambda x: v.text("location", x, required=False),
            "headline": lambda x: v.text("headline", x, required=False, max_len=500),
            "links": lambda x: v.texts("links", x, max_len=2000, max_items=20),
        }
        unknown = sorted(set(changes) - set(checks) - {"tags", "sources"})
        if unknown:
            raise ValidationFailed("unknown fields", {k: ["unknown field"] for k in unknown})
        personal = {k: checks[k](x) for k, x in changes.items() if k in checks}
        tags = v.texts("tags", changes["tags"]) if "tags" in changes else None
        sources = v.texts("sources", changes["sources"]) if "sources" in changes else None
        added: list[str] = []
        before = [e.lower() for e in candidate.emails]
        if "emails" in personal:
            old = {e.lower() for e in candidate.emails}
            added = [e for e in personal["emails"] if e.lower() not in old]
            self._claim_emails(candidate.id, added)
        try:
            candidate.update_profile(personal=Personal(candidate.id, personal), tags=tags,
                                     sources=sources, by=by)
            position = self.record(candidate)
        except BaseException:
            self.adapters.emails.release(candidate.id, added)
            raise
        if "emails" in personal:
            kept = {e.lower() for e in personal["emails"]}
            dropped = [e for e in before if e not in kept]
            self.adapters.emails.release(candidate.id, dropped)
        return Recorded(candidate.id, position)

    # --- opportunities (seed 000) ---------------------------------------------------------------

    def choose_posting(self, posting_id: UUID, by: Actor) -> Posting:
        """Only published or internal postings; a limited team member only their own."""
        posting = self.load(Posting, posting_id, missing=PostingNotFound)
        posting.ensure_open()
        if by.role == "limited_team_member" and by.user_id not in posting.hiring_team:
            raise Forbidden("you may only choose postings whose hiring team lists you",
                            {"posting_id": str(posting_id)})
        return posting

    @command
    def add_opportunity(self, candidate_id: UUID, by: Actor, *, posting_id: UUID | None = None,
                        general: bool = False, owner_id: UUID | None = None,
                        stage: str | None = None, origin: str | None = None,
                        sources: list[str] | None = None, tags: list[str] | None = None,
                        copy_from: Mapping[str, Any] | None = None) -> Recorded:
        if (posting_id is None) == (not general):
            raise ValidationFailed.field(
                "posting_id", "give either a posting_id or general: true, not both and not neither")
        if general and by.role == "limited_team_member":
            raise Forbidden("a limited team member may only choose postings that list them")
        candidate = self.load(Candidate, candidate_id)
        candidate.ensure_live()
        if posting_id is not None:
            self.choose_posting(posting_id, by)
        if owner_id is not None and owner_id != by.user_id and not self.exists(User, owner_id):
            raise ValidationFailed.field("owner_id", "unknown user")
        opportunity = Opportunity(
            candidate_id=candidate.id,
            posting_id=posting_id,
            owner_id=owner_id or by.user_id,
            stage=v.one_of("stage", stage or self.settings.stages[0], self.settings.stages),
            origin=v.one_of("origin", origin or "sourced", ORIGINS),
            sources=v.texts("sources", sources),
            tags=v.texts("tags", tags),
            by=by,
        )
        to_save: list[Any] = [opportunity]
        if copy_from is not None:
            to_save.append(self._copy_into(opportunity, candidate, copy_from, by))
        return Recorded(opportunity.id, self.record(*to_save))

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
            source = self.load(Opportunity, source_id)
        except NotFound:
            source = None
        if source is None or source.candidate_id != candidate.id:
            raise OpportunityNotOfCandidate("copy_from.opportunity_id is not an opportunity of "
                                            "this candidate", {"opportunity_id": str(source_id)})
        self._ensure_may_act_on(source, by)
        opportunity.copy_info_from(source, categories, by)
        archive = copy_from.get("archive_source")
        if archive is not None:
            reason = v.one_of("copy_from.archive_source.reason",
                              (archive or {}).get("reason"), self.settings.archive_reasons)
            source.archive(reason=reason, at=now(), by=by)
        return source

    def _ensure_may_act_on(self, opportunity: Opportunity, by: Actor) -> None:
        if not self.may_see_opportunity(opportunity, by):
            raise Forbidden("this opportunity's posting does not list you in its hiring team",
                            {"opportunity_id": str(opportunity.id)})

    def may_see_opportunity(self, opportunity: Opportunity, by: Actor) -> bool:
        if by.role != "limited_team_member":
            return True
        if opportunity.posting_id is None:
            return False
        posting = self.load(Posting, opportunity.posting_id)
        return by.user_id in posting.hiring_team

    def opportunity_for(self, opportunity_id: UUID, by: Actor) -> Opportunity:
        """Loads an opportunity the actor may act on (404 for the unseen, like a missing one)."""
        opportunity = self.load(Opportunity, opportunity_id)
        if not self.may_see_opportunity(opportunity, by):
            raise NotFound(f"no opportunity with id {opportunity_id}", {"id": str(opportunity_id)})
        return opportunity

    @command
    def archive_opportunity(self, opportunity_id: UUID, reason: str, by: Actor) -> Recorded:
        reason = v.one_of("reason", reason, self.settings.archive_reasons)
        opportunity = self.opportunity_for(opportunity_id, by)
        opportunity.archive(reason=reason, at=now(), by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    @command
    def unarchive_opportunity(self, opportunity_id: UUID, by: Actor) -> Recorded:
        opportunity = self.opportunity_for(opportunity_id, by)
        opportunity.unarchive(by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    @command
    def convert_opportunity(self, opportunity_id: UUID, posting_id: UUID, by: Actor) -> Recorded:
        opportunity = self.opportunity_for(opportunity_id, by)
        opportunity.convert_to_posting(posting_id=self.choose_posting(posting_id, by).id, by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    @command
    def change_stage(self, opportunity_id: UUID, stage: str, by: Actor) -> Recorded:
        stage = v.one_of("stage", stage, self.settings.stages)
        opportunity = self.opportunity_for(opportunity_id, by)
        if stage != opportunity.stage:
            opportunity.change_stage(stage=stage, by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    @command
    def add_tags(self, opportunity_id: UUID, tags: list[str], by: Actor) -> Recorded:
        tags = v.texts("tags", tags)
        if not tags:
            raise ValidationFailed.field("tags", "give at least one tag")
        opportunity = self.opportunity_for(opportunity_id, by)
        for tag in tags:
            if tag not in opportunity.tags:
                opportunity.add_tag(tag=tag, by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    @command
    def remove_tag(self, opportunity_id: UUID, tag: str, by: Actor) -> Recorded:
        opportunity = self.opportunity_for(opportunity_id, by)
        if tag not in opportunity.tags:
            raise NotFound("the opportunity has no such tag", {"tag": tag})
        opportunity.remove_tag(tag=tag, by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    @command
    def attach_file(self, opportunity_id: UUID, name: str, content: bytes, content_type: str,
                    by: Actor, *, secret: bool = False, kind: str = "file") -> Recorded:
        name = v.text("file", name, max_len=255)
        kind = v.one_of("kind", kind, FILE_KINDS)
        if not content:
            raise ValidationFailed.field("file", "is empty")
        if len(content) > self.settings.max_file_bytes:
            limit = self.settings.max_file_bytes
            raise ValidationFailed.field("file", f"is larger than {limit} bytes")
        opportunity = self.opportunity_for(opportunity_id, by)
        candidate = self.load(Candidate, opportunity.candidate_id)
        candidate.ensure_live()
        sha256 = self.adapters.files.put(candidate.id, content, content_type)
        file_id = opportunity.attach_file(name=name.replace("/", "_").replace("\\", "_"),
                                          sha256=sha256, size=len(content),
                                          content_type=content_type, secret=secret, kind=kind,
                                          by=by)
        return Recorded(opportunity.id, self.record(opportunity), {"file_id": file_id})

    @command
    def remove_file(self, opportunity_id: UUID, file_id: UUID, by: Actor) -> Recorded:
        opportunity = self.opportunity_for(opportunity_id, by)
        if file_id not in opportunity.files:
            raise NotFound("no such file on this opportunity", {"file_id": str(file_id)})
        opportunity.remove_file(file_id=file_id, by=by)
        return Recorded(opportunity.id, self.record(opportunity))

    def read_file(self, opportunity_id: UUID, file_id: UUID, by: Actor) -> tuple[dict, bytes]:
        opportunity = self.opportunity_for(opportunity_id, by)
        meta = opportunity.files.get(file_id)
        if meta is None or (meta["secret"] and by.role not in ADMIN_ROLES):
            raise NotFound("no such file on this opportunity", {"file_id": str(file_id)})
        stored = self.adapters.files.get(opportunity.candidate_id, meta["sha256"])
        if stored is None:
            raise NotFound("the file's contents were erased", {"file_id": str(file_id)})
        return meta, stored[0]

    @command
    def record_referral(self, opportunity_id: UUID, referrer_id: UUID, by: Actor, *,
                        relationship: str | None = None, notes: str | None = None) -> Recorded:
        opportunity = self.opportunity_for(opportunity_id, by)
        if not self.exists(User, referrer_id):
            raise ValidationFailed.field("referrer_id", "unknown user")
        opportunity.record_referral(
            referrer_id=referrer_id,
            relationship=v.text("relationship", relationship, required=False),
            notes=v.text("notes", notes, required=False, max_len=5000),
            by=by,
        )
        return Recorded(opportunity.id, self.record(opportunity))

    # --- consent and GDPR -----------------------------------------------------------------------

    @command
    def request_consent(self, candidate_id: UUID, by: Actor, *,
                        deadline_days: int | None = None) -> Recorded:
        days = self.settings.consent_deadline_days if deadline_days is None else deadline_days
        if not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= 365:
            raise ValidationFailed.field("deadline_days", "must be a whole number from 1 to 365")
        candidate = self.load(Candidate, candidate_id)
        candidate.ensure_live()
        candidate.request_consent(deadline=now() + timedelta(days=days), by=by)
        return Recorded(candidate.id, self.record(candidate))

    @command
    def grant_consent(self, candidate_id: UUID, by: Actor, *, channel: str | None = None,
                      purposes: list[str] | None = None) -> Recorded:
        candidate = self.load(Candidate, candidate_id)
        candidate.ensure_live()
        candidate.grant_consent(channel=v.text("channel", channel or "recruiter", max_len=50),
                                purposes=v.texts("purposes", purposes), at=now(), by=by)
        return Recorded(candidate.id, self.record(candidate))

    @command
    def revoke_consent(self, candidate_id: UUID, by: Actor) -> Recorded:
        candidate = self.load(Candidate, candidate_id)
        candidate.ensure_live()
        candidate.revoke_consent(by=by)
        return Recorded(candidate.id, self.record(candidate))

    @command
    def request_deletion(self, candidate_id: UUID, by: Actor) -> Recorded:
        candidate = self.load(Candidate, candidate_id)
        candidate.ensure_live()
        if candidate.deletion_requested_at is None:
            candidate.request_deletion(at=now(), by=by)
        return Recorded(candidate.id, self.record(candidate))

    @command
    def anonymize(self, candidate_id: UUID, reason: str, by: Actor) -> Recorded:
        """Records the fact, then destroys the key and the file bytes: the erasure itself."""
        candidate = self.load(Candidate, candidate_id)
        candidate.ensure_live()
        candidate.anonymize(reason=v.one_of("reason", reason, ("request", "expiry", "admin")),
                            at=now(), by=by)
        position = self.record(candidate)
        self.erase(candidate.id)
        return Recorded(candidate.id, position)

    def erase(self, candidate_id: UUID) -> None:
        self.adapters.emails.release(candidate_id)
        self.adapters.files.purge(candidate_id)
        self.run_erasure_steps(candidate_id)
        self.adapters.keys.destroy(candidate_id)
