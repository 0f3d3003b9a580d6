"""Each read row of a candidate, opportunity, posting, user, pool, rule, form and campaign
holds its aggregate's version (the ETag of its GET), kept by every event of the aggregate,
also those the view has no handler for."""

from __future__ import annotations

from uuid import UUID

from domain.actor import Actor
from domain.campaign import Campaign
from domain.candidate import Candidate
from domain.opportunity import Opportunity
from domain.pool import Pool
from domain.posting import Posting
from domain.rule import Rule
from domain.service import Rekindle
from domain.talent_form import TalentForm
from domain.user import User
from projections.database import Database
from projections.service import ProjectionService
from tests.projections.story import play

TABLES = {"read.candidates": Candidate, "read.opportunities": Opportunity,
          "read.postings": Posting, "read.users": User, "read.crm_pools": Pool,
          "read.crm_rules": Rule, "read.crm_forms": TalentForm, "read.crm_campaigns": Campaign}


def test_every_versioned_row_holds_its_aggregates_version(app: Rekindle, admin: Actor,
                                                          database: Database) -> None:
    story = play(app, admin)
    pool_id = app.pools.create("Silver", admin).id
    app.pools.change(pool_id, admin, description="runners-up")
    rule_id = app.rules.create("Tag", "tag_added", admin, filter=[],
                               actions=[{"type": "add_tag", "tag": "x"}]).id
    app.rules.change(rule_id, admin, enabled=False)
    form_id = app.forms.create("Newsletter", admin).id
    app.forms.submit(form_id, "Sam", "sam.version@example.com", consent=False)
    app.forms.change(form_id, admin, {"title": "Newsletter 2027"})
    campaign_id = app.campaigns.create("News", "Hello", "Body", admin).id
    # CampaignSent / CampaignSkipped on a candidate: no handler of the profiles view
    last = app.campaigns.send(campaign_id, admin, candidate_ids=[story.ada, story.bob]).position
    service = ProjectionService(database, ["profiles", "crm"]).start()
    try:
        assert service.wait(last, 20)
        with database.pool.connection() as conn:
            rows = {table: conn.execute(f"SELECT id, version FROM {table}").fetchall()
                    for table in TABLES}
    finally:
        service.stop()
    checked = 0
    for table, kind in TABLES.items():
        assert rows[table], table
        for row_id, version in rows[table]:
            assert version == app.store.load(kind, UUID(str(row_id))).version, (table, row_id)
            checked += 1
    ada = app.store.load(Candidate, story.ada)
    assert dict(rows["read.candidates"])[ada.id] == ada.version
    assert max(v for _, v in rows["read.crm_forms"]) >= 2 and checked > 15
