"""Who may do what to which candidate, opportunity, file and CRM object: the one policy.

Every command goes through it, whoever calls: the HTTP routes, the shell and the workers.
The read side applies the same `Scope` (projections/visibility.py turns it into SQL, and a
test checks on generated data that the SQL and these predicates agree for every role).

The roles: the four recruiting roles and the read-only `auditor`, held by users; `system`
(chores, workers, the shell) and `public` (talent forms, personal links) are held only by
the service itself.

- Users: admins create them; only a `super_admin` creates, promotes or manages another.
- Postings and rules: admins create and change them.
- Candidates, opportunities, pools, forms, reminders, campaigns, imports: the recruiting
  roles. An `auditor` reads everything an admin reads and never writes.
- A `limited_team_member` sees and acts only on opportunities whose posting lists them in
  its hiring team, and on those opportunities' candidates; out of scope looks like an unknown
  id. They may add an opportunity for one of their own postings to any candidate, which
  brings that candidate into their scope; they choose no other posting, and no general one.
- Secret files are listed, read, removed, attached and seen in histories by admins only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import Forbidden, NotFound, PostingNotFound, ValidationFailed
from domain.lookups import Lookups
from domain.opportunity import Opportunity
from domain.posting import Posting
from domain.reminder import Reminder
from domain.store import EventStore

SUPER_ADMIN = "super_admin"
ADMIN = "admin"
TEAM_MEMBER = "team_member"
LIMITED = "limited_team_member"
AUDITOR = "auditor"
SYSTEM = "system"
PUBLIC = "public"

ROLES = (SUPER_ADMIN, ADMIN, TEAM_MEMBER, LIMITED, AUDITOR)
"""The roles a user can be given."""
ADMINS = frozenset({SUPER_ADMIN, ADMIN})
RECRUITERS = ADMINS | {TEAM_MEMBER, LIMITED}
READERS = RECRUITERS | {AUDITOR}
OVERSEERS = ADMINS | {AUDITOR}
"""Who reads every user and the erasure record."""


@dataclass(frozen=True)
class Scope:
    """What a caller sees of candidates, opportunities and files, in terms SQL can say too.

    `member` is None for callers who see every opportunity; for a limited team member it is
    their user id, and they see the opportunities on postings whose hiring team lists it.
    """

    member: UUID | None
    secret_files: bool

    @property
    def everything(self) -> bool:
        return self.member is None


def scope_of(actor: Actor) -> Scope:
    return Scope(member=actor.user_id if actor.role == LIMITED else None,
                 secret_files=actor.role in ADMINS or actor.role == SYSTEM)


def sees_opportunity(scope: Scope, hiring_team: Collection[UUID] | None) -> bool:
    """`hiring_team` is that of the opportunity's posting; None for a general opportunity."""
    return scope.member is None or (hiring_team is not None and scope.member in hiring_team)


def sees_candidate(scope: Scope, hiring_teams: Iterable[Collection[UUID] | None]) -> bool:
    """`hiring_teams`: one per opportunity of the candidate, as for `sees_opportunity`."""
    return scope.member is None or any(sees_opportunity(scope, team) for team in hiring_teams)


def sees_file(scope: Scope, secret: bool) -> bool:
    return scope.secret_files or not secret


# --- what a role may do at all ------------------------------------------------------------------


def is_writer(actor: Actor) -> bool:
    return actor.role in RECRUITERS or actor.role == SYSTEM


def ensure_writer(actor: Actor) -> None:
    """Every command but the public ones: auditors read, they do not write."""
    if not is_writer(actor):
        raise Forbidden(f"the role {actor.role} may not change anything")


def ensure_admin(actor: Actor, what: str) -> None:
    if actor.role not in ADMINS and actor.role != SYSTEM:
        raise Forbidden(f"only admins {what}")


def ensure_may_create_user(actor: Actor, role: str) -> None:
    ensure_admin(actor, "create users")
    if role == SUPER_ADMIN and actor.role not in (SUPER_ADMIN, SYSTEM):
        raise Forbidden("only a super_admin creates another super_admin")


def ensure_may_change_role(actor: Actor, current: str, new: str) -> None:
    ensure_admin(actor, "change roles")
    if SUPER_ADMIN in (current, new) and actor.role not in (SUPER_ADMIN, SYSTEM):
        raise Forbidden("only a super_admin grants or changes super_admin")


def ensure_may_manage_tokens(actor: Actor, user_id: UUID, user_role: str) -> None:
    """A user manages their own tokens; an admin anyone's but a super_admin's."""
    if actor.user_id == user_id:
        return
    ensure_admin(actor, "manage other users' tokens")
    if user_role == SUPER_ADMIN and actor.role not in (SUPER_ADMIN, SYSTEM):
        raise Forbidden("only a super_admin manages a super_admin's tokens")


def ensure_may_attach(actor: Actor, secret: bool) -> None:
    ensure_writer(actor)
    if secret and not scope_of(actor).secret_files:
        raise Forbidden("only admins attach secret files")


def sees_user(actor: Actor, user_id: UUID) -> bool:
    """Admins and auditors see every user; everyone else only themselves."""
    return actor.user_id == user_id or actor.role in OVERSEERS or actor.role == SYSTEM


def addressed_to(actor: Actor, requested: UUID | None) -> UUID | None:
    """Whose reminders and notifications a list may show: a limited team member reads only
    their own; the others read anyone's (None: everyone's)."""
    if actor.role != LIMITED:
        return requested
    if requested is not None and requested != actor.user_id:
        raise Forbidden("a limited team member reads only their own reminders and notifications")
    return actor.user_id


def ensure_may_choose(actor: Actor, hiring_team: Collection[UUID] | None) -> None:
    """Choosing a posting (`hiring_team` of it) or, with None, a general opportunity."""
    scope = scope_of(actor)
    if sees_opportunity(scope, hiring_team):
        return
    if hiring_team is None:
        raise Forbidden("a limited team member may only choose postings that list them")
    raise Forbidden("you may only choose postings whose hiring team lists you")


# --- the policy applied to recorded aggregates --------------------------------------------------


class Access:
    """Loads what the policy needs to decide about a recorded candidate, opportunity or file,
    and answers an out-of-scope id exactly as an unknown one."""

    def __init__(self, store: EventStore, lookups: Lookups) -> None:
        self.store = store
        self.lookups = lookups

    def hiring_team(self, opportunity: Opportunity) -> list[UUID] | None:
        if opportunity.posting_id is None:
            return None
        return self.store.load(Posting, opportunity.posting_id).hiring_team

    def sees_opportunity(self, actor: Actor, opportunity: Opportunity) -> bool:
        scope = scope_of(actor)
        return scope.everything or sees_opportunity(scope, self.hiring_team(opportunity))

    def sees_candidate(self, actor: Actor, candidate_id: UUID) -> bool:
        scope = scope_of(actor)
        return scope.everything or sees_candidate(
            scope, (self.hiring_team(o) for o in self.lookups.opportunities_of(candidate_id)))

    def candidate(self, actor: Actor, candidate_id: UUID) -> Candidate:
        """The candidate, if the actor may see it; else NotFound as for an unknown id."""
        candidate = self.store.load(Candidate, candidate_id)
        if not self.sees_candidate(actor, candidate.id):
            raise _missing("candidate", candidate_id)
        return candidate

    def reminder(self, actor: Actor, reminder_id: UUID) -> Reminder:
        """The reminder, if the actor may see it (on a candidate they see and, for a limited
        team member, addressed to them); else NotFound as for an unknown id."""
        reminder = self.store.load(Reminder, reminder_id)
        mine = addressed_to(actor, None)
        if (mine is not None and reminder.assignee_id != mine) or not self.sees_candidate(
                actor, reminder.candidate_id):
            raise _missing("reminder", reminder_id)
        return reminder

    def candidates(self, actor: Actor, field: str,
                   candidate_ids: Sequence[UUID]) -> list[Candidate]:
        """Every named candidate the actor may see; the others are refused as unknown ones."""
        found, unknown = [], []
        for candidate_id in candidate_ids:
            try:
                found.append(self.candidate(actor, candidate_id))
            except NotFound:
                unknown.append(str(candidate_id))
        if unknown:
            raise ValidationFailed.field(field, f"unknown candidates: {', '.join(unknown)}")
        return found

    def opportunity(self, actor: Actor, opportunity_id: UUID) -> Opportunity:
        opportunity = self.store.load(Opportunity, opportunity_id)
        if not self.sees_opportunity(actor, opportunity):
            raise _missing("opportunity", opportunity_id)
        return opportunity

    def file(self, actor: Actor, opportunity: Opportunity, file_id: UUID) -> dict[str, Any]:
        meta = opportunity.files.get(file_id)
        if meta is None or not sees_file(scope_of(actor), meta["secret"]):
            raise NotFound("no such file on this opportunity", {"file_id": str(file_id)})
        return meta

    def posting_to_choose(self, actor: Actor, posting_id: UUID) -> Posting:
        """A published or internal posting the actor may choose for a new opportunity."""
        posting = self.store.load(Posting, posting_id, missing=PostingNotFound)
        posting.ensure_open()
        ensure_may_choose(actor, posting.hiring_team)
        return posting


def _missing(kind: str, aggregate_id: UUID) -> NotFound:
    return NotFound(f"no {kind} with id {aggregate_id}", {"id": str(aggregate_id)})
