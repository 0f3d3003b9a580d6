"""Rebuilds, erasure and read-your-writes waits, against real PostgreSQL."""

from __future__ import annotations

from domain.personal import ERASED
from projections.rebuild import rebuild, status
from projections.service import ProjectionService
from tests.projections import answers
from tests.projections.conftest import MINE
from tests.projections.story import dump, play


def test_rebuild_gives_the_same_rows_as_the_live_view(app, admin, database, service):
    story = play(app, admin)
    assert service.wait(story.last, 10)
    live = dump(database)
    service.stop()
    positions = rebuild(database, MINE)
    assert positions == {"profiles": story.last, "analytics": story.last}
    assert dump(database) == live
    assert [r["lag"] for r in status(database, MINE)] == [0, 0]


def test_anonymization_purges_personal_values_and_a_rebuild_agrees(app, admin, database,
                                                                   service):
    story = play(app, admin)
    last = app.consent.anonymize(story.ada, "request", admin).position
    assert service.wait(last, 10)
    ada = answers.get_candidate(database.pool, story.ada, admin)
    assert ada["name"] is None and ada["emails"] == [] and ada["phones"] == []
    assert ada["location"] is None and ada["headline"] is None and ada["links"] == []
    assert ada["gdpr"]["anonymized"] is True
    assert ada["tags"] == ["math", "silver-medallist", "vip"]  # non-personal facts stay
    assert sorted(ada["archive_reasons"]) == ["position_filled", "withdrew"]
    first = answers.get_opportunity(database.pool, story.first, admin)
    assert {f["name"] for f in first["files"]} == {ERASED}
    assert first["referral"]["notes"] is None and first["referral"]["relationship"] is None
    assert first["sources"] == ["Referral"]
    assert answers.list_candidates(database.pool, admin, q="lovelace")["items"] == []
    live = dump(database)
    text = repr(live)
    for secret in ("Lovelace", "ada.lovelace", "+49 30 1234", "ada-cv.pdf", "ACME", "London"):
        assert secret not in text
    service.stop()
    rebuild(database, MINE)
    assert dump(database) == live


def test_a_rebuild_resumes_from_its_tracking_position(app, admin, database):
    story = play(app, admin)
    rebuild(database, MINE)
    complete = dump(database)["candidates"]
    with database.pool.connection() as conn:
        conn.execute("INSERT INTO rekindle.projection_rebuilds (name) VALUES ('profiles')")
        conn.execute("DELETE FROM read.candidates WHERE id = %s", (story.bob,))
    # a marked rebuild is continued, not restarted: nothing is dropped, nothing re-applied
    assert rebuild(database, ["profiles"]) == {"profiles": story.last}
    assert len(dump(database)["candidates"]) == len(complete) - 1
    assert rebuild(database, ["profiles"]) == {"profiles": story.last}
    assert dump(database)["candidates"] == complete


def test_wait_true_once_applied_false_after_timeout(app, admin, database, service):
    recorded = app.candidates.create("Wanda Wait", ["wanda@example.com"], admin)
    assert service.wait(None, 0) is True
    assert service.wait(recorded.position, 10) is True
    assert answers.get_candidate(database.pool, recorded.id, admin)["name"] == "Wanda Wait"
    assert service.wait(recorded.position + 1000, 0.3) is False
    statuses = service.status()
    assert {s["name"] for s in statuses} == {"profiles", "analytics"}
    assert all(s["position"] == recorded.position and s["lag"] == 0 for s in statuses)


def test_service_restarts_where_it_stopped(app, admin, database):
    first = app.candidates.create("Before Stop", ["before@example.com"], admin)
    with ProjectionService(database, MINE).start() as svc:
        assert svc.wait(first.position, 10)
    second = app.candidates.create("After Stop", ["after@example.com"], admin)
    with ProjectionService(database, MINE).start() as svc:
        assert svc.wait(second.position, 10)
    names = [c["name"] for c in answers.list_candidates(database.pool, admin)["items"]]
    assert names == ["After Stop", "Before Stop"]
