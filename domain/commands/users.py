"""Users of Rekindle and their API tokens: admins create users, users manage their tokens."""

from __future__ import annotations

from uuid import UUID

from domain import access
from domain import validation as v
from domain.actor import Actor
from domain.errors import NotFound, ValidationFailed
from domain.personal import Personal
from domain.ports import KeyStore
from domain.recorded import Recorded, command, ensure_version
from domain.store import EventStore
from domain.user import User


class Users:
    def __init__(self, store: EventStore, keys: KeyStore) -> None:
        self.store = store
        self.keys = keys

    @command
    def create(self, name: str, email: str, role: str, by: Actor, *, token: str | None = None,
               user_id: UUID | None = None) -> Recorded:
        """A user with one token, shown once (extra["token"]); only its hash is recorded."""
        name = v.text("name", name)
        email = v.email("email", email)
        role = v.one_of("role", role, access.ROLES)
        access.ensure_may_create_user(by, role)
        new_id = user_id or User.create_id()
        self.keys.create_key(new_id)
        user = User(personal=Personal(new_id, {"name": name, "email": email}), role=role,
                    by=by, id=new_id)
        issued = user.issue_token(by=by, token=token)
        return Recorded(user.id, self.store.record(user), {"token": issued, "user": user})

    @command
    def issue_token(self, user_id: UUID, by: Actor, *,
                    expected_version: int | None = None) -> Recorded:
        user = self.store.load(User, user_id)
        access.ensure_may_manage_tokens(by, user.id, user.role)
        ensure_version(user, expected_version)
        token = user.issue_token(by=by)
        return Recorded(user.id, self.store.record(user), {"token": token})

    @command
    def revoke_token(self, user_id: UUID, token_id: UUID, by: Actor, *,
                     expected_version: int | None = None) -> Recorded:
        user = self.store.load(User, user_id)
        access.ensure_may_manage_tokens(by, user.id, user.role)
        ensure_version(user, expected_version)
        if token_id not in user.tokens:
            raise NotFound("no such token", {"token_id": str(token_id)})
        user.revoke_token(token_id=token_id, by=by)
        return Recorded(user.id, self.store.record(user))

    @command
    def change_role(self, user_id: UUID, role: str, by: Actor, *,
                    expected_version: int | None = None) -> Recorded:
        role = v.one_of("role", role, access.ROLES)
        access.ensure_admin(by, "change roles")
        user = self.store.load(User, user_id)
        ensure_version(user, expected_version)
        access.ensure_may_change_role(by, user.role, role)
        if role != user.role:
            user.change_role(role=role, by=by)
        return Recorded(user.id, self.store.record(user))

    def known(self, field_name: str, user_ids: list[UUID]) -> list[UUID]:
        """The ids, without repeats, if each names a user; else a validation error."""
        unique = list(dict.fromkeys(user_ids))
        unknown = [str(u) for u in unique if not self.store.exists(User, u)]
        if unknown:
            raise ValidationFailed.field(field_name, f"unknown users: {', '.join(unknown)}")
        return unique
