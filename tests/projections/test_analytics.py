"""The analytics tables answer an analyst's questions, straight from SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.actor import Actor
from domain.service import Rekindle


def rows(database: Any, sql: str) -> list[tuple]:
    with database.pool.connection() as conn:
        return sorted(conn.execute(sql).fetchall(), key=repr)


@pytest.fixture
def story(app: Rekindle, admin: Actor, service: Any) -> dict[str, Any]:
    posting = app.postings.create("Backend engineer", admin, state="published").id
    cara = app.candidates.create("Cara Came-Back", ["cara@example.com"], admin).id
    dan = app.candidates.create("Dan Declined", ["dan@example.com"], admin).id
    eve = app.candidates.create("Eve Undecided", ["eve@example.com"], admin).id
    fay = app.candidates.create("Fay Fickle", ["fay@example.com"], admin).id

    first = app.opportunities.add(cara, admin, posting_id=posting, sources=["LinkedIn"]).id
    app.opportunities.archive(first, "position_filled", admin)
    comeback = app.opportunities.add(cara, admin, general=True, origin="applied",
                                   sources=["Talent form: Newsletter"]).id
    dans = app.opportunities.add(dan, admin, posting_id=posting, origin="referred").id
    app.opportunities.archive(dans, "withdrew", admin)
    app.opportunities.unarchive(dans, admin)
    app.opportunities.change_stage(dans, "hired", admin)

    app.consent.request(cara, admin)
    app.consent.grant(cara, admin, channel="email")
    app.consent.request(dan, admin, deadline_days=1)
    app.consent.expire(dan, admin, at=datetime.now(UTC) + timedelta(days=2))
    app.consent.request(eve, admin)
    app.consent.request(fay, admin)
    app.consent.grant(fay, admin)
    last = app.consent.revoke(fay, admin).position
    assert service.wait(last, 10)
    return {"posting": posting, "cara": cara, "dan": dan, "first": first,
            "comeback": comeback, "dans": dans}


def test_opportunities_per_origin_source_and_outcome(database, story):
    assert rows(database, "SELECT origin, source, outcome, opportunities "
                          "FROM read.opportunity_outcomes") == sorted([
        ("sourced", "LinkedIn", "position_filled", 1),
        ("applied", "Talent form: Newsletter", "active", 1),
        ("referred", "(none)", "hired", 1),
    ], key=repr)


def test_reengagement_links_an_archived_opportunity_to_the_next_one(database, story):
    found = rows(database, "SELECT candidate_id, archived_opportunity_id, reason, "
                           "next_opportunity_id, time_to_next >= interval '0' "
                           "FROM read.reengagement")
    assert found == [(story["cara"], story["first"], "position_filled", story["comeback"], True)]
    assert rows(database, "SELECT candidate_id, count(*) FROM read.analytics_opportunities "
                          "GROUP BY 1 HAVING count(*) > 1") == [(story["cara"], 2)]


def test_archive_reasons_per_posting_count_only_what_is_still_archived(database, story):
    assert rows(database, "SELECT posting_id, reason, archived "
                          "FROM read.archive_reasons_by_posting") == [
        (story["posting"], "position_filled", 1)]
    unarchived = rows(database, "SELECT reason, unarchived_at IS NOT NULL FROM "
                                f"read.archive_events WHERE opportunity_id = '{story['dans']}'")
    assert unarchived == [("withdrew", True)]


def test_consent_funnel_follows_each_request_to_its_outcome(database, story):
    today = datetime.now(UTC).date()
    funnel = rows(database, "SELECT day, requested, granted, expired, revoked, open, "
                            "median_hours_to_grant IS NOT NULL FROM read.consent_funnel")
    # Fay granted and then revoked: her request's outcome is the grant
    assert funnel == [(today, 4, 2, 1, 0, 1, True)]


def test_the_readme_documents_every_column_of_every_analytics_table(database, service):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Analytics tables", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, set[str]] = {}
    for name, table in re.findall(r"\*\*`read\.(\w+)`\*\*.*?\n\n(\|.*?)\n\n", section, re.DOTALL):
        cells = [line.split("|")[1] for line in table.splitlines()[2:]]
        documented[name] = {c for cell in cells for c in re.findall(r"`(\w+)`", cell)}
    assert len(documented) >= 8
    with database.pool.connection() as conn:
        for name, columns in documented.items():
            actual = {r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'read' AND table_name = %s", (name,))}
            assert actual == columns, name


def test_reengagement_goes_by_log_order_and_counts_the_copy_of_copy_and_archive(
        app: Rekindle, admin: Actor, service: Any, database: Any) -> None:
    posting = app.postings.create("Data engineer", admin, state="published").id
    gil = app.candidates.create("Gil Again", ["gil@example.com"], admin).id
    hal = app.candidates.create("Hal Later", ["hal@example.com"], admin).id
    # copy-and-archive: the copy is recorded (and its clock read) just before the archiving
    gils = app.opportunities.add(gil, admin, posting_id=posting).id
    copy = app.opportunities.add(gil, admin, general=True, copy_from={
        "opportunity_id": gils, "categories": ["tags"],
        "archive_source": {"reason": "timing"}}).id
    # a copy made by one command and its source archived by the next is no come-back; the
    # opportunity added after the archiving is
    hals = app.opportunities.add(hal, admin, posting_id=posting).id
    app.opportunities.add(hal, admin, general=True, copy_from={
        "opportunity_id": hals, "categories": ["tags"]})
    app.opportunities.archive(hals, "withdrew", admin)
    later = app.opportunities.add(hal, admin, general=True).id
    assert service.wait(app.store.head(), 10)

    found = {r[0]: r[1:] for r in rows(
        database, "SELECT candidate_id, archived_opportunity_id, reason, next_opportunity_id, "
                  "time_to_next = interval '0', next_created_position < archived_position "
                  "FROM read.reengagement")}
    assert found == {gil: (gils, "timing", copy, True, True),
                     hal: (hals, "withdrew", later, False, False)}
    assert rows(database, "SELECT opportunity_id, copied_to_opportunity_id "
                          "FROM read.archive_events") == sorted([(gils, copy), (hals, None)],
                                                               key=repr)


def test_an_archiving_recorded_before_copies_were_named_still_loads_and_projects(
        app: Rekindle, admin: Actor, database: Any) -> None:
    """Events stored without `copied_to_opportunity_id` load with its default."""
    from domain.opportunity import Opportunity
    from projections.service import ProjectionService

    ivy = app.candidates.create("Ivy Older", ["ivy@example.com"], admin).id
    opportunity = app.opportunities.add(ivy, admin, general=True).id
    position = app.opportunities.archive(opportunity, "timing", admin).position
    with database.pool.connection() as conn:
        stripped = conn.execute(
            "UPDATE rekindle_events SET state = convert_to((convert_from(state, 'UTF8')::jsonb"
            " - 'copied_to_opportunity_id')::text, 'UTF8') WHERE notification_id = %s "
            "AND convert_from(state, 'UTF8')::jsonb ? 'copied_to_opportunity_id'", (position,))
        assert stripped.rowcount == 1

    assert app.store.load(Opportunity, opportunity).archived["reason"] == "timing"
    service = ProjectionService(database, ["analytics"]).start()  # reads the stripped event
    try:
        assert service.wait(position, 10)
    finally:
        service.stop()
    assert rows(database, "SELECT reason, copied_to_opportunity_id FROM read.archive_events "
                          f"WHERE opportunity_id = '{opportunity}'") == [("timing", None)]
