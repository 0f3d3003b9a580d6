"""The read models after a scripted story, as the API and analysts see them."""

from __future__ import annotations

import hashlib
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import ValidationFailed
from projections import queries
from tests.projections import answers


@pytest.fixture
def read_db(told):
    return told[0]


@pytest.fixture
def story(told):
    return told[1]


def test_candidate_profile_has_everything_the_api_promises(read_db, story):
    db = read_db
    ada = answers.get_candidate(db.pool, story.ada, story.recruiter)
    assert ada["name"] == "Ada Lovelace"
    assert ada["emails"] == ["ada.lovelace@example.com"]
    assert ada["phones"] == ["+49 30 1234"]
    assert ada["headline"] == "Senior analyst"
    assert ada["tags"] == ["math", "silver-medallist", "vip"]
    assert ada["sources"] == ["LinkedIn", "Talent form: Newsletter"]
    assert ada["pools"] == [str(story.pool_id)]
    assert ada["external_ids"] == {"ats": "A-1"}
    assert ada["consent"]["status"] == "granted"
    assert ada["consent"]["granted_at"] is not None and ada["consent"]["deadline"] is None
    assert ada["gdpr"] == {"deletion_requested": False, "anonymized": False,
                           "deletion_requested_at": None, "anonymized_at": None}
    assert [o["id"] for o in ada["opportunities"]] == [str(story.first), str(story.general),
                                                       str(story.copy)]
    assert sorted(ada["archive_reasons"]) == ["position_filled", "withdrew"]
    assert "Referral" in ada["opportunity_sources"] and "strong" in ada["opportunity_tags"]
    assert ada["created_at"].endswith("+00:00")

    bob = answers.get_candidate(db.pool, story.bob, story.recruiter)
    assert bob["consent"]["status"] == "requested" and bob["consent"]["deadline"]
    assert bob["gdpr"]["deletion_requested"] is True
    assert answers.get_candidate(db.pool, uuid4(), story.recruiter) is None


def test_opportunity_detail_with_files_referral_archive_copy_and_ats(read_db, story):
    db = read_db
    first = answers.get_opportunity(db.pool, story.first, story.admin)
    assert first["stage"] == "phone_interview" and first["origin"] == "referred"
    assert first["tags"] == ["strong"]
    assert first["general"] is False and first["posting_id"] == str(story.posting_id)
    assert [f["name"] for f in first["files"]] == ["ada-cv.pdf", "salary.txt"]  # as attached
    files = {f["name"]: f for f in first["files"]}
    assert files["salary.txt"]["secret"] is True
    assert files["ada-cv.pdf"] == {"id": str(story.plain_file), "name": "ada-cv.pdf",
                                   "secret": False, "kind": "resume",
                                   "sha256": hashlib.sha256(b"%PDF cv").hexdigest(), "size": 7,
                                   "content_type": "application/pdf"}
    assert first["referral"] == {"referrer_id": str(story.recruiter.user_id),
                                 "relationship": "ex-colleague",
                                 "notes": "worked together at ACME"}
    assert first["archived"]["reason"] == "position_filled"
    assert first["archived"]["by"] == str(story.recruiter.user_id)

    as_member = answers.get_opportunity(db.pool, story.first, story.recruiter)
    assert [f["name"] for f in as_member["files"]] == ["ada-cv.pdf"]

    copy = answers.get_opportunity(db.pool, story.copy, story.admin)
    assert copy["copied_from"] == {"opportunity_id": str(story.first),
                                   "categories": ["files", "resumes", "sources", "tags",
                                                  "referral"]}
    assert [f["name"] for f in copy["files"]] == ["ada-cv.pdf"]
    assert copy["sources"] == ["Referral"] and copy["origin"] == "referred"
    assert copy["referral"]["notes"] == "worked together at ACME"
    assert copy["ats"] == {"status": "sent", "external_id": "ATS-9", "last_error": None}
    assert copy["archived"] is None and copy["created_by"] == str(story.recruiter.user_id)

    general = answers.get_opportunity(db.pool, story.general, story.admin)
    assert general["posting_id"] == str(story.posting_id) and general["general"] is False
    assert general["archived"]["reason"] == "withdrew"


def test_limited_team_member_sees_only_their_postings_opportunities(read_db, story):
    db = read_db
    limited = story.limited
    assert queries.candidate_visible(db.pool, story.ada, limited)
    assert not queries.candidate_visible(db.pool, story.bob, limited)
    assert answers.get_candidate(db.pool, story.bob, limited) is None
    ada = answers.get_candidate(db.pool, story.ada, limited)
    assert {o["id"] for o in ada["opportunities"]} == {str(story.first), str(story.general)}
    assert answers.get_opportunity(db.pool, story.copy, limited) is None
    listed = answers.list_candidates(db.pool, limited)
    assert [c["id"] for c in listed["items"]] == [str(story.ada)]
    assert [p["id"] for p in answers.list_postings(db.pool, limited)["items"]] == [
        str(story.posting_id)]


def test_postings_with_pipeline_and_users(read_db, story):
    db = read_db
    posting = answers.get_posting(db.pool, story.posting_id, story.admin)
    assert posting["title"] == "Backend engineer" and posting["state"] == "published"
    assert posting["hiring_team"] == [str(story.limited.user_id)]
    assert posting["pipeline"] == {}  # both of its opportunities are archived
    other = answers.get_posting(db.pool, story.other_posting_id, story.admin)
    assert other["state"] == "internal" and other["pipeline"] == {"new_lead": 1}
    internal = answers.list_postings(db.pool, story.admin, state="internal")
    assert [p["id"] for p in internal["items"]] == [str(story.other_posting_id)]

    user = answers.get_user(db.pool, story.limited.user_id)
    assert user["name"] == "Lou Limited" and user["role"] == "limited_team_member"
    assert user["email"] == "lou@example.com"
    members = answers.list_users(db.pool, role="team_member")
    assert [u["id"] for u in members["items"]] == [str(story.recruiter.user_id)]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"tag": "silver-medallist"}, {"ada"}),
    ({"tag": "frontend"}, {"bob"}),          # a tag on one of the candidate's opportunities
    ({"source": "Excel import"}, {"bob"}),
    ({"source": "Referral"}, {"ada"}),
    ({"archive_reason": "underqualified"}, {"bob"}),
    ({"archive_reason": "timing"}, set()),   # unarchived since
    ({"consent": "granted"}, {"ada"}),
    ({"stage": "phone_interview"}, {"ada"}),
    ({"q": "lovelace"}, {"ada"}),
    ({"q": "Ada Love"}, {"ada"}),
    ({"q": "bob@builders"}, {"bob"}),
    ({"q": "builders.example"}, {"bob"}),
    ({"q": "nobody"}, set()),
    ({"q": "'&|!:*"}, set()),
    ({"tag": "math", "source": "Excel import"}, set()),
])
def test_talent_search_filters(read_db, story, filters, expected):
    db = read_db
    names = {str(story.ada): "ada", str(story.bob): "bob"}
    found = answers.list_candidates(db.pool, story.admin, **filters)
    assert {names[c["id"]] for c in found["items"]} == expected


def test_search_by_pool(read_db, story):
    db = read_db
    found = answers.list_candidates(db.pool, story.admin, pool_id=story.pool_id)
    assert [c["id"] for c in found["items"]] == [str(story.ada)]


def test_keyset_pages_cover_every_candidate_once(app, admin, service):
    db = service.database
    ids = {str(app.candidates.create(f"Person {i}", [f"p{i}@example.com"], admin).id)
           for i in range(7)}
    last = app.candidates.create("Last One", ["last@example.com"], admin)
    ids.add(str(last.id))
    assert service.wait(last.position, 10)
    seen, cursor = [], None
    while True:
        page = answers.list_candidates(db.pool, admin, limit=3, cursor=cursor)
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(ids) and set(seen) == ids
    assert seen[0] == str(last.id)  # newest first


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwieSJd"])
def test_invalid_cursor_is_a_validation_error(told, cursor):
    db = told[0]
    with pytest.raises(ValidationFailed) as raised:
        answers.list_candidates(db.pool, Actor(uuid4(), "admin"), cursor=cursor)
    assert "cursor" in raised.value.details


def test_limit_is_bounded(told):
    db = told[0]
    with pytest.raises(ValidationFailed):
        answers.list_users(db.pool, limit=501)


def test_refreshing_a_candidates_opportunity_columns_reads_only_its_opportunities(service):
    """The per-batch refresh once joined a subquery, which on fresh tables (a rebuild, before
    autovacuum analyzes them) was planned as a scan and on-disk sort of every opportunity:
    catch-up slowed down as the table grew."""
    from projections.profile_sql import REFRESH_OPPORTUNITY_COLUMNS_SQL

    with service.database.pool.connection() as conn:
        conn.execute("INSERT INTO read.candidates (id, created_at, updated_at) "
                     "SELECT md5('c' || n)::uuid, now(), now() FROM generate_series(1, 20000) n")
        conn.execute("INSERT INTO read.opportunities (id, candidate_id, stage, origin, tags, "
                     "created_at, updated_at) SELECT md5('o' || n)::uuid, md5('c' || n / 2)::uuid,"
                     " 'new_lead', 'sourced', ARRAY['t' || n % 7], now(), now() "
                     "FROM generate_series(2, 40001) n")
        touched = [row[0] for row in conn.execute(
            "SELECT id FROM read.opportunities ORDER BY id LIMIT 300")]
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN " + REFRESH_OPPORTUNITY_COLUMNS_SQL, (touched,)))
        assert "Seq Scan on opportunities" not in plan, plan
        conn.execute(REFRESH_OPPORTUNITY_COLUMNS_SQL, (touched[:1],))
        tags = conn.execute(
            "SELECT c.opportunity_tags, (SELECT array_agg(DISTINCT t) FROM read.opportunities o, "
            "unnest(o.tags) t WHERE o.candidate_id = c.id) FROM read.candidates c "
            "JOIN read.opportunities o ON o.candidate_id = c.id WHERE o.id = %s",
            (touched[0],)).fetchone()
        assert tags[0] == tags[1] and tags[0]
