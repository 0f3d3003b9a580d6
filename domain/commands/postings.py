"""Job postings: admins create them, move them through their states and staff their teams."""

from __future__ import annotations

from uuid import UUID

from domain import access
from domain import validation as v
from domain.actor import Actor
from domain.commands.users import Users
from domain.posting import POSTING_STATES, Posting
from domain.recorded import Recorded, command, ensure_version
from domain.store import EventStore


class Postings:
    def __init__(self, store: EventStore, users: Users) -> None:
        self.store = store
        self.users = users

    @command
    def create(self, title: str, by: Actor, *, team: str | None = None,
               location: str | None = None, state: str = "draft",
               hiring_team: list[UUID] | None = None) -> Recorded:
        access.ensure_admin(by, "create postings")
        posting = Posting(
            title=v.text("title", title),
            team=v.text("team", team, required=False),
            location=v.text("location", location, required=False),
            state=v.one_of("state", state, POSTING_STATES),
            hiring_team=self.users.known("hiring_team", hiring_team or []),
            by=by,
        )
        return Recorded(posting.id, self.store.record(posting))

    @command
    def change_state(self, posting_id: UUID, state: str, by: Actor, *,
                     expected_version: int | None = None) -> Recorded:
        access.ensure_admin(by, "change postings")
        state = v.one_of("state", state, POSTING_STATES)
        posting = self.store.load(Posting, posting_id)
        ensure_version(posting, expected_version)
        if state != posting.state:
            posting.change_state(state=state, by=by)
        return Recorded(posting.id, self.store.record(posting))

    @command
    def change_hiring_team(self, posting_id: UUID, hiring_team: list[UUID],
                           by: Actor, *, expected_version: int | None = None) -> Recorded:
        access.ensure_admin(by, "change postings")
        posting = self.store.load(Posting, posting_id)
        ensure_version(posting, expected_version)
        posting.change_hiring_team(hiring_team=self.users.known("hiring_team", hiring_team),
                                   by=by)
        return Recorded(posting.id, self.store.record(posting))
