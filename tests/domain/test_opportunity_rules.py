"""Seed 000, rule by rule: adding opportunities to existing candidate profiles."""

from __future__ import annotations

import pytest

from api.bootstrap import command_service
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import (
    Forbidden,
    GdprBlocked,
    NotGeneral,
    OpportunityActive,
    OpportunityArchived,
    OpportunityNotOfCandidate,
    PostingNotFound,
    PostingNotOpen,
    ValidationFailed,
)
from domain.opportunity import Opportunity
from domain.posting import Posting
from domain.service import Rekindle


@pytest.fixture
def published(app: Rekindle, admin: Actor) -> Posting:
    created = app.postings.create("Backend engineer", admin, state="published")
    return app.store.load(Posting, created.id)


@pytest.fixture
def grace(app: Rekindle, admin: Actor) -> Candidate:
    created = app.candidates.create("Grace Hopper", ["grace@example.com"], admin)
    return app.store.load(Candidate, created.id)


def events_of(app: Rekindle, aggregate_id) -> list[str]:
    return [type(e).__name__ for e in app.store.events.get(aggregate_id)]


def test_an_opportunity_is_for_a_posting_or_general_never_both_never_neither(app, admin, grace,
                                                                               published):
    with pytest.raises(ValidationFailed) as neither:
        app.opportunities.add(grace.id, admin)
    assert "posting_id" in neither.value.details
    with pytest.raises(ValidationFailed):
        app.opportunities.add(grace.id, admin, posting_id=published.id, general=True)

    general = app.store.load(Opportunity, app.opportunities.add(grace.id, admin, general=True).id)
    assert general.general and general.posting_id is None
    specific = app.store.load(Opportunity, app.opportunities.add(grace.id, admin,
                                                         posting_id=published.id).id)
    assert specific.posting_id == published.id and not specific.general


@pytest.mark.parametrize("state", ["draft", "pending", "closed"])
def test_draft_pending_and_closed_postings_cannot_be_chosen(app, admin, grace, state):
    posting = app.postings.create("Closed role", admin, state=state)
    with pytest.raises(PostingNotOpen) as refused:
        app.opportunities.add(grace.id, admin, posting_id=posting.id)
    assert refused.value.code == "posting_not_open"
    assert refused.value.details["state"] == state


@pytest.mark.parametrize("state", ["published", "internal"])
def test_published_and_internal_postings_can_be_chosen(app, admin, grace, state):
    posting = app.postings.create("Open role", admin, state=state)
    assert app.opportunities.add(grace.id, admin, posting_id=posting.id).position


def test_an_unknown_posting_is_refused_by_its_own_code(app, admin, grace):
    from uuid import uuid4

    with pytest.raises(PostingNotFound):
        app.opportunities.add(grace.id, admin, posting_id=uuid4())


def test_the_user_who_adds_an_opportunity_owns_it_by_default(app, admin, grace):
    recruiter = app.users.create("Rita Recruiter", "rita@example.com", "team_member", admin)
    by = Actor(recruiter.id, "team_member")
    mine = app.store.load(Opportunity, app.opportunities.add(grace.id, by, general=True).id)
    assert mine.owner_id == recruiter.id
    theirs = app.store.load(Opportunity, app.opportunities.add(grace.id, by, general=True,
                                                       owner_id=admin.user_id).id)
    assert theirs.owner_id == admin.user_id


def test_converting_a_general_opportunity_keeps_its_id_and_history(app, admin, grace, published):
    opportunity_id = app.opportunities.add(grace.id, admin, general=True, tags=["python"]).id
    app.opportunities.change_stage(opportunity_id, "recruiter_screen", admin)
    app.opportunities.convert(opportunity_id, published.id, admin)

    converted = app.store.load(Opportunity, opportunity_id)
    assert converted.posting_id == published.id and converted.stage == "recruiter_screen"
    assert events_of(app, opportunity_id) == [
        "OpportunityCreated", "StageChanged", "ConvertedToPosting"]
    with pytest.raises(NotGeneral):
        app.opportunities.convert(opportunity_id, published.id, admin)


def test_conversion_follows_the_posting_rules(app, admin, grace):
    draft = app.postings.create("Draft", admin)
    opportunity_id = app.opportunities.add(grace.id, admin, general=True).id
    with pytest.raises(PostingNotOpen):
        app.opportunities.convert(opportunity_id, draft.id, admin)
    assert app.store.load(Opportunity, opportunity_id).general


def with_files(app: Rekindle, admin: Actor, opportunity_id) -> None:
    app.files.attach(opportunity_id, "portfolio.pdf", b"portfolio", "application/pdf", admin)
    app.files.attach(opportunity_id, "cv.pdf", b"cv", "application/pdf", admin, kind="resume")
    app.files.attach(opportunity_id, "salary.txt", b"secret", "text/plain", admin, secret=True)


def test_copying_is_all_or_none_per_category_and_never_copies_secret_files(app, admin, grace,
                                                                           published):
    source_id = app.opportunities.add(grace.id, admin, general=True, origin="referred",
                                    sources=["Meetup"], tags=["silver-medallist"]).id
    with_files(app, admin, source_id)

    new = app.store.load(Opportunity, app.opportunities.add(
        grace.id, admin, posting_id=published.id, tags=["backend"],
        copy_from={"opportunity_id": str(source_id), "categories": ["files", "tags"]}).id)

    assert sorted(f["name"] for f in new.files.values()) == ["portfolio.pdf"]
    assert new.tags == ["backend", "silver-medallist"]
    assert new.sources == [] and new.origin == "sourced"
    assert new.copied_from == {"opportunity_id": source_id, "categories": ["files", "tags"]}

    everything = app.store.load(Opportunity, app.opportunities.add(
        grace.id, admin, general=True,
        copy_from={"opportunity_id": str(source_id),
                   "categories": ["files", "resumes", "sources", "tags"]}).id)
    assert sorted(f["name"] for f in everything.files.values()) == ["cv.pdf", "portfolio.pdf"]
    assert everything.origin == "referred" and everything.sources == ["Meetup"]


def test_a_copied_file_is_a_new_entry_pointing_at_the_same_bytes(app, admin, grace):
    source_id = app.opportunities.add(grace.id, admin, general=True).id
    with_files(app, admin, source_id)
    source = app.store.load(Opportunity, source_id)
    new_id = app.opportunities.add(grace.id, admin, general=True, copy_from={
        "opportunity_id": str(source_id), "categories": ["resumes"]}).id
    (copied,) = app.store.load(Opportunity, new_id).files.values()
    original = source.files[copied["copied_from_file_id"]]
    assert copied["id"] != original["id"] and copied["sha256"] == original["sha256"]
    _meta, content = app.files.read(new_id, copied["id"], admin)
    assert content == b"cv"


def test_referral_is_copied_only_together_with_sources(app, admin, grace):
    source_id = app.opportunities.add(grace.id, admin, general=True, origin="referred").id
    app.opportunities.record_referral(source_id, admin.user_id, admin,
                                      relationship="former colleague")
    with pytest.raises(ValidationFailed) as refused:
        app.opportunities.add(grace.id, admin, general=True, copy_from={
            "opportunity_id": str(source_id), "categories": ["referral"]})
    assert "copy_from.categories" in refused.value.details

    added = app.opportunities.add(grace.id, admin, general=True, copy_from={
        "opportunity_id": str(source_id), "categories": ["sources", "referral"]})
    new = app.store.load(Opportunity, added.id)
    assert new.referral == {"referrer_id": admin.user_id, "relationship": "former colleague",
                            "notes": None}


def test_copying_from_another_candidates_opportunity_is_refused(app, admin, grace):
    other = app.candidates.create("Alan Turing", ["alan@example.com"], admin)
    theirs = app.opportunities.add(other.id, admin, general=True)
    with pytest.raises(OpportunityNotOfCandidate):
        app.opportunities.add(grace.id, admin, general=True, copy_from={
            "opportunity_id": str(theirs.id), "categories": ["tags"]})


def test_the_source_is_archived_with_the_copy_in_one_transaction(app, admin, grace, published):
    source_id = app.opportunities.add(grace.id, admin, general=True, tags=["python"]).id
    recorded = app.opportunities.add(grace.id, admin, posting_id=published.id, copy_from={
        "opportunity_id": str(source_id), "categories": ["tags"],
        "archive_source": {"reason": "position_filled"}})

    source = app.store.load(Opportunity, source_id)
    assert source.archived["reason"] == "position_filled"
    notifications = app.store.recorder.select_notifications(start=1, limit=1000)
    last_two = [n.topic.rsplit(".", 1)[-1] for n in notifications[-2:]]
    assert last_two == ["InfoCopied", "OpportunityArchived"]
    assert notifications[-1].id == recorded.position


def test_a_failed_copy_archives_nothing(app, admin, grace):
    source_id = app.opportunities.add(grace.id, admin, general=True).id
    with pytest.raises(ValidationFailed):
        app.opportunities.add(grace.id, admin, general=True, copy_from={
            "opportunity_id": str(source_id), "categories": ["no-such-category"],
            "archive_source": {"reason": "timing"}})
    assert not app.store.load(Opportunity, source_id).is_archived
    assert events_of(app, source_id) == ["OpportunityCreated"]


def test_archiving_an_archived_source_or_with_an_unknown_reason_is_refused(app, admin, grace):
    source_id = app.opportunities.add(grace.id, admin, general=True).id
    with pytest.raises(ValidationFailed):
        app.opportunities.add(grace.id, admin, general=True, copy_from={
            "opportunity_id": str(source_id), "categories": ["tags"],
            "archive_source": {"reason": "bored"}})
    app.opportunities.archive(source_id, "timing", admin)
    with pytest.raises(OpportunityArchived):
        app.opportunities.add(grace.id, admin, general=True, copy_from={
            "opportunity_id": str(source_id), "categories": ["tags"],
            "archive_source": {"reason": "timing"}})


@pytest.mark.parametrize("block", ["deletion", "anonymized"])
def test_copying_is_refused_for_a_candidate_covered_by_gdpr(app, admin, grace, block):
    source_id = app.opportunities.add(grace.id, admin, general=True).id
    if block == "deletion":
        app.consent.request_deletion(grace.id, admin)
    else:
        app.consent.anonymize(grace.id, "admin", admin)
    with pytest.raises(GdprBlocked):
        app.opportunities.add(grace.id, admin, general=True, copy_from={
            "opportunity_id": str(source_id), "categories": ["tags"]})


def test_archive_and_unarchive(app, admin, grace):
    opportunity_id = app.opportunities.add(grace.id, admin, general=True).id
    with pytest.raises(OpportunityActive):
        app.opportunities.unarchive(opportunity_id, admin)
    app.opportunities.archive(opportunity_id, "offer_declined", admin)
    with pytest.raises(OpportunityArchived):
        app.opportunities.archive(opportunity_id, "timing", admin)
    app.opportunities.unarchive(opportunity_id, admin)
    assert events_of(app, opportunity_id) == [
        "OpportunityCreated", "OpportunityArchived", "OpportunityUnarchived"]


def test_archive_reasons_come_from_the_configured_list(database, admin_settings_app):
    app, by, candidate_id = admin_settings_app
    opportunity_id = app.opportunities.add(candidate_id, by, general=True).id
    with pytest.raises(ValidationFailed):
        app.opportunities.archive(opportunity_id, "timing", by)
    app.opportunities.archive(opportunity_id, "relocated", by)


@pytest.fixture
def admin_settings_app(database):


    custom = database.settings.replace(archive_reasons=("relocated", "other"))
    application = command_service(database, custom)
    user = application.users.create("Ada", "ada@example.com", "super_admin", Actor.system())
    by = Actor(user.id, "super_admin")
    candidate = application.candidates.create("Grace", ["g@example.com"], by)
    yield application, by, candidate.id
    application.close()


def test_a_limited_team_member_only_chooses_postings_that_list_them(app, admin, grace):
    member = app.users.create("Lim", "lim@example.com", "limited_team_member", admin)
    lim = Actor(member.id, "limited_team_member")
    theirs = app.postings.create("Theirs", admin, state="published", hiring_team=[member.id])
    other = app.postings.create("Other", admin, state="published")
    assert app.opportunities.add(grace.id, lim, posting_id=theirs.id).position
    with pytest.raises(Forbidden):
        app.opportunities.add(grace.id, lim, posting_id=other.id)
    with pytest.raises(Forbidden):
        app.opportunities.add(grace.id, lim, general=True)
