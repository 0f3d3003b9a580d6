"""Candidates keep their history; emails are unique among live candidates; tokens are hashed."""

from __future__ import annotations

import psycopg
import pytest

from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import DuplicateCandidate, Forbidden, GdprBlocked, ValidationFailed
from domain.user import User, parse_token


def test_a_duplicate_email_names_the_existing_candidate_case_insensitively(app, admin):
    first = app.candidates.create("Grace Hopper", ["grace@example.com"], admin)
    with pytest.raises(DuplicateCandidate) as duplicate:
        app.candidates.create("G. Hopper", ["GRACE@Example.com"], admin)
    assert duplicate.value.details["candidate_id"] == str(first.id)


def test_an_anonymized_candidates_email_can_be_used_again(app, admin):
    first = app.candidates.create("Grace Hopper", ["grace@example.com"], admin)
    app.consent.anonymize(first.id, "request", admin)
    second = app.candidates.create("Grace Hopper", ["grace@example.com"], admin)
    assert second.id != first.id


def test_bad_input_is_refused_with_the_field_named_and_nothing_recorded(app, admin):
    before = app.store.recorder.max_notification_id()
    for kwargs, field in [
        ({"name": "", "emails": ["a@example.com"]}, "name"),
        ({"name": "A", "emails": []}, "emails"),
        ({"name": "A", "emails": ["not-an-email"]}, "emails"),
        ({"name": "A" * 201, "emails": ["a@example.com"]}, "name"),
        ({"name": "A", "emails": ["a@example.com"], "origin": "carrier-pigeon"}, "origin"),
        ({"name": "A\x00B", "emails": ["a@example.com"]}, "name"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            app.candidates.create(by=admin, **kwargs)
        assert field in refused.value.details
    assert app.store.recorder.max_notification_id() == before


def test_profile_updates_keep_the_history(app, admin):
    created = app.candidates.create("Grace", ["grace@example.com"], admin)
    app.candidates.update_profile(created.id, {"headline": "Rear admiral", "tags": ["navy"]}, admin)
    candidate = app.store.load(Candidate, created.id)
    assert candidate.profile["headline"] == "Rear admiral" and candidate.tags == ["navy"]
    assert [type(e).__name__ for e in app.store.events.get(created.id)] == [
        "CandidateCreated", "ProfileUpdated"]


def test_changing_emails_moves_the_claim(app, admin):
    created = app.candidates.create("Grace", ["old@example.com"], admin)
    app.candidates.update_profile(created.id, {"emails": ["new@example.com"]}, admin)
    assert app.candidates.create("Someone else", ["old@example.com"], admin).id
    with pytest.raises(DuplicateCandidate):
        app.candidates.create("Copycat", ["NEW@example.com"], admin)


def test_an_anonymized_candidate_refuses_changes(app, admin):
    created = app.candidates.create("Grace", ["grace@example.com"], admin)
    app.consent.anonymize(created.id, "admin", admin)
    with pytest.raises(GdprBlocked):
        app.candidates.update_profile(created.id, {"headline": "back"}, admin)
    assert app.store.load(Candidate, created.id).profile["name"] is None


def test_personal_data_is_not_stored_in_the_clear(app, admin, database):
    app.candidates.create("Grace Hopper", ["grace@example.com"], admin, phones=["+1 555 0100"])
    with psycopg.connect(database.conninfo) as conn:
        rows = conn.execute("SELECT state FROM rekindle_events").fetchall()
    stored = b"".join(bytes(row[0]) for row in rows)
    for secret in (b"Grace Hopper", b"grace@example.com", b"555 0100"):
        assert secret not in stored


def test_every_event_records_who_did_it(app, admin):
    created = app.candidates.create("Grace", ["grace@example.com"], admin)
    app.consent.request(created.id, admin)
    for event in app.store.events.get(created.id):
        assert event.by == admin


def test_tokens_are_stored_as_hashes_and_verify(app, admin, database):
    created = app.users.create("Rita", "rita@example.com", "team_member", admin)
    token = created.extra["token"]
    user_id, token_id, secret = parse_token(token)
    user = app.store.load(User, user_id)
    assert user.verify(token_id, secret) and not user.verify(token_id, secret + "x")
    with psycopg.connect(database.conninfo) as conn:
        rows = conn.execute("SELECT state FROM rekindle_events").fetchall()
    stored = b"".join(bytes(row[0]) for row in rows)
    assert secret.encode() not in stored
    app.users.revoke_token(user_id, token_id, admin)
    assert not app.store.load(User, user_id).verify(token_id, secret)


def test_only_admins_create_users_and_only_super_admins_create_super_admins(app, admin):
    plain = Actor(app.users.create("Ann", "ann@example.com", "admin", admin).id, "admin")
    member = Actor(app.users.create("Tom", "tom@example.com", "team_member", admin).id,
                   "team_member")
    with pytest.raises(Forbidden):
        app.users.create("X", "x@example.com", "team_member", member)
    with pytest.raises(Forbidden):
        app.users.create("Y", "y@example.com", "super_admin", plain)
    assert app.users.create("Z", "z@example.com", "team_member", plain).id


def test_a_configured_bootstrap_token_verifies_as_is(app):
    token = "let-me-in-0123456789"
    user_id, token_id, secret = parse_token(token)
    app.users.create("Boot", "boot@example.com", "super_admin", Actor.system(), token=token,
                    user_id=user_id)
    assert app.store.load(User, user_id).verify(token_id, secret)
