"""Personal data reaching Rekindle through the other paths (talent form, reminder, ATS,
import) is sealed too: no integration message carries it, and anonymization erases it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.actor import Actor
from domain.candidate import Candidate
from tests.gdpr.conftest import messages, pg_dump

NAME = "Ottoline Vandersnoot"
EMAIL = "ottoline.vandersnoot@example.org"
PHONE = "+31 6 8765 4329"
INTEREST = "competitive origami for quokkas"
NOTE = "Call Ottoline back about the Lisbon role"
ATS_NAME = "Ottoline V. Vandersnoot"
BAD_ROW_EMAIL = "vandersnoot-without-at-sign"
SECRETS = (NAME, EMAIL, PHONE, INTEREST, NOTE, ATS_NAME, BAD_ROW_EMAIL)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_form_reminder_ats_and_import_data_is_sealed_and_erased(make_runtime):
    runtime = make_runtime(projections=True)
    app = runtime.rekindle
    user = app.users.create("Bo Boss", "bo@example.com", "super_admin", Actor.system())
    boss = Actor(user.id, "super_admin")
    form_id = app.forms.create("Join our talent pool", boss).id
    candidate_id = app.forms.submit(form_id, NAME, EMAIL, consent=True, phone=PHONE,
                                   interests=[INTEREST]).id
    app.reminders.set(candidate_id, datetime.now(UTC) + timedelta(days=90), NOTE, boss)
    app.ats.receive({
        "event_id": "ats-1", "type": "candidate.updated",
        "occurred_at": datetime.now(UTC).isoformat(),
        "candidate": {"external_id": "ext-77", "name": ATS_NAME, "email": EMAIL},
    }, boss)
    job = app.imports.start(boss, file_format="csv", file_size=100).extra["job"]
    app.imports.rows(job, [(2, {"name": NAME, "email": BAD_ROW_EMAIL})], boss)

    assert [leaks(m.to_json().decode()) for m in messages(runtime)
            if leaks(m.to_json().decode())] == []
    assert app.store.load(Candidate, candidate_id).profile["name"] == ATS_NAME
    assert [e["row"] for e in app.imports.job(job.id).errors] == [2]
    assert EMAIL in pg_dump(runtime)

    position = app.consent.anonymize(candidate_id, "request", boss).position
    assert runtime.projections.wait(position, 10)

    assert leaks(pg_dump(runtime)) == []
