"""The access policy (domain/access.py), applied by the commands whoever calls them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain import access
from domain.access import Scope, scope_of, sees_candidate, sees_file, sees_opportunity
from domain.actor import Actor
from domain.errors import Forbidden, NotFound, ValidationFailed
from domain.service import Rekindle
from tests.unit.conftest import user

ROLES = ("super_admin", "admin", "team_member", "limited_team_member", "auditor")


def test_scope_of_each_role() -> None:
    someone = uuid4()
    assert scope_of(Actor(someone, "limited_team_member")) == Scope(someone, False)
    for role in ("super_admin", "admin"):
        assert scope_of(Actor(someone, role)) == Scope(None, True)
    for role in ("team_member", "auditor", "public"):
        assert scope_of(Actor(someone, role)) == Scope(None, False)
    assert scope_of(Actor.system()) == Scope(None, True)


def test_the_predicates() -> None:
    member = uuid4()
    limited, everyone = Scope(member, False), Scope(None, False)
    assert sees_opportunity(everyone, None) and sees_opportunity(everyone, [])
    assert sees_opportunity(limited, [member]) and not sees_opportunity(limited, [uuid4()])
    assert not sees_opportunity(limited, None), "a general opportunity lists no hiring team"
    assert sees_candidate(limited, [None, [uuid4()], [member]])
    assert not sees_candidate(limited, []) and not sees_candidate(limited, [None])
    assert sees_file(Scope(None, True), True) and not sees_file(everyone, True)
    assert sees_file(limited, False)


def every_write(app: Rekindle, by: Actor, world: dict[str, Any]) -> dict[str, Any]:
    """One call of every kind of write, as `by`."""
    due = datetime.now(UTC) + timedelta(days=1)
    return {
        "create user": lambda: app.users.create("U", f"u{uuid4().hex[:6]}@example.com",
                                                "team_member", by),
        "create posting": lambda: app.postings.create("P", by, state="published"),
        "create candidate": lambda: app.candidates.create(
            "C", [f"c{uuid4().hex[:6]}@example.com"], by),
        "update profile": lambda: app.candidates.update_profile(world["candidate"],
                                                                {"headline": "x"}, by),
        "add opportunity": lambda: app.opportunities.add(world["candidate"], by,
                                                         posting_id=world["posting"]),
        "change stage": lambda: app.opportunities.change_stage(world["opportunity"], "offer",
                                                               by),
        "request consent": lambda: app.consent.request(world["candidate"], by),
        "anonymize": lambda: app.consent.anonymize(world["victim"], "admin", by),
        "create pool": lambda: app.pools.create("Pool", by),
        "add to pool": lambda: app.pools.add_members(world["pool"], [world["candidate"]], by),
        "create rule": lambda: app.rules.create("R", "candidate_created", by,
                                                actions=[{"type": "add_tag", "tag": "x"}]),
        "create form": lambda: app.forms.create("F", by),
        "set reminder": lambda: app.reminders.set(world["candidate"], due, "call", by),
        "create campaign": lambda: app.campaigns.create("C", "S", "B", by),
        "send campaign": lambda: app.campaigns.send(world["campaign"], by,
                                                    candidate_ids=[world["candidate"]]),
        "start import": lambda: app.imports.start(by, file_format="csv", file_size=1),
    }


ADMIN_ONLY = {"create user", "create posting", "anonymize", "create rule"}


@pytest.fixture
def world(app: Rekindle, admin: Actor) -> dict[str, Any]:
    member = user(app, admin, "limited_team_member", "Lim")
    posting = app.postings.create("Theirs", admin, state="published",
                                  hiring_team=[member.user_id]).id
    candidate = app.candidates.create("Cand", ["cand@example.com"], admin).id
    opportunity = app.opportunities.add(candidate, admin, posting_id=posting).id
    victims = iter(app.candidates.create(f"V{i}", [f"v{i}@example.com"], admin).id
                   for i in range(10))
    return {"member": member, "posting": posting, "candidate": candidate,
            "opportunity": opportunity, "pool": app.pools.create("Pool", admin).id,
            "campaign": app.campaigns.create("C", "S", "B", admin).id,
            "victims": victims}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_write_what(app: Rekindle, admin: Actor, world: dict[str, Any],
                            role: str) -> None:
    by = world["member"] if role == "limited_team_member" else user(app, admin, role)
    for name, write in every_write(app, by, {**world, "victim": next(world["victims"])}).items():
        allowed = role in ("super_admin", "admin") or (
            role in ("team_member", "limited_team_member") and name not in ADMIN_ONLY)
        if allowed:
            write()
        else:
            with pytest.raises(Forbidden):
                write()


def test_an_auditor_writes_nothing_through_any_command(app: Rekindle, admin: Actor,
                                                        world: dict[str, Any]) -> None:
    auditor = user(app, admin, "auditor")
    writes = every_write(app, auditor, {**world, "victim": next(world["victims"])})
    head = app.store.head()
    for name, write in writes.items():
        with pytest.raises(Forbidden):
            write()
        assert app.store.head() == head, name


def test_out_of_scope_is_answered_as_an_unknown_id(app: Rekindle, admin: Actor,
                                                   world: dict[str, Any]) -> None:
    member = world["member"]
    outside = app.candidates.create("Out", ["out@example.com"], admin).id
    elsewhere = app.postings.create("Other", admin, state="published").id
    foreign = app.opportunities.add(outside, admin, posting_id=elsewhere).id
    head = app.store.head()
    due = datetime.now(UTC) + timedelta(days=1)
    for write in (lambda: app.candidates.update_profile(outside, {"headline": "x"}, member),
                  lambda: app.consent.request(outside, member),
                  lambda: app.reminders.set(outside, due, "call", member),
                  lambda: app.opportunities.change_stage(foreign, "offer", member),
                  lambda: app.pools.remove_member(world["pool"], outside, member)):
        with pytest.raises(NotFound):
            write()
    for write in (lambda: app.pools.add_members(world["pool"], [outside], member),
                  lambda: app.campaigns.send(world["campaign"], member,
                                             candidate_ids=[outside])):
        with pytest.raises(ValidationFailed) as refused:
            write()
        assert "unknown candidates" in refused.value.message
    assert app.store.head() == head
    assert app.opportunities.add(outside, member, posting_id=world["posting"]).position
    assert app.access.sees_candidate(member, outside), "their posting brings them in scope"


def test_a_limited_member_chooses_only_their_postings_and_no_general_one(
        app: Rekindle, admin: Actor, world: dict[str, Any]) -> None:
    member = world["member"]
    other = app.postings.create("Other", admin, state="published").id
    with pytest.raises(Forbidden):
        app.opportunities.add(world["candidate"], member, posting_id=other)
    with pytest.raises(Forbidden):
        app.opportunities.add(world["candidate"], member, general=True)


def test_secret_files_are_for_admins_only(app: Rekindle, admin: Actor,
                                         world: dict[str, Any]) -> None:
    recruiter = user(app, admin, "team_member")
    oid = world["opportunity"]
    with pytest.raises(Forbidden):
        app.files.attach(oid, "offer.txt", b"90k", "text/plain", recruiter, secret=True)
    secret = app.files.attach(oid, "offer.txt", b"90k", "text/plain", admin,
                              secret=True).extra["file_id"]
    for act in (lambda: app.files.read(oid, secret, recruiter),
                lambda: app.files.remove(oid, secret, recruiter)):
        with pytest.raises(NotFound):
            act()
    assert app.files.read(oid, secret, admin)[1] == b"90k"


def test_users_manage_their_own_tokens_and_only_a_super_admin_another_super_admin(
        app: Rekindle, admin: Actor) -> None:
    plain = user(app, admin, "admin", "Plain Admin")
    recruiter = user(app, admin, "team_member")
    assert app.users.issue_token(recruiter.user_id, recruiter).extra["token"]
    with pytest.raises(Forbidden):
        app.users.issue_token(admin.user_id, plain)
    with pytest.raises(Forbidden):
        app.users.create("Boss", "boss@example.com", "super_admin", plain)
    with pytest.raises(Forbidden):
        app.users.change_role(recruiter.user_id, "super_admin", plain)
    with pytest.raises(Forbidden):
        app.users.issue_token(plain.user_id, recruiter)


def test_reading_users_and_addressed_lists() -> None:
    me, other = uuid4(), uuid4()
    assert access.sees_user(Actor(me, "team_member"), me)
    assert not access.sees_user(Actor(me, "team_member"), other)
    assert access.sees_user(Actor(me, "auditor"), other)
    limited = Actor(me, "limited_team_member")
    assert access.addressed_to(limited, None) == me
    with pytest.raises(Forbidden):
        access.addressed_to(limited, other)
    assert access.addressed_to(Actor(me, "admin"), None) is None


def test_a_limited_member_dismisses_only_reminders_addressed_to_them(
        app: Rekindle, admin: Actor, world: dict[str, Any]) -> None:
    """On a candidate they see, someone else's reminder is unknown to them, as in the list."""
    member, due = world["member"], datetime.now(UTC) + timedelta(days=1)
    colleague = user(app, admin, "team_member", "Colleague")
    theirs = app.reminders.set(world["candidate"], due, "call back", admin,
                               assignee_id=colleague.user_id).id
    mine = app.reminders.set(world["candidate"], due, "call back", member).id
    head = app.store.head()
    with pytest.raises(NotFound):
        app.reminders.dismiss(theirs, member)
    assert app.store.head() == head, "nothing recorded"
    app.reminders.dismiss(mine, member)
    assert app.reminders.dismiss(theirs, colleague).id == theirs
