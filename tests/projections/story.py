"""A scripted recruiting story that touches every event the read side handles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from domain.actor import Actor
from domain.candidate import Candidate
from domain.opportunity import Opportunity
from domain.service import Rekindle


@dataclass
class Story:
    admin: Actor
    recruiter: Actor
    limited: Actor
    posting_id: UUID
    other_posting_id: UUID
    ada: UUID
    bob: UUID
    first: UUID
    general: UUID
    copy: UUID
    secret_file: UUID
    plain_file: UUID
    pool_id: UUID
    last: int
    extra: dict[str, Any] = field(default_factory=dict)


def play(app: Rekindle, admin: Actor) -> Story:
    recruiter_id = app.users.create("Rita Recruiter", "rita@example.com", "team_member", admin).id
    limited_id = app.users.create("Lou Limited", "lou@example.com", "limited_team_member",
                                 admin).id
    recruiter = Actor(recruiter_id, "team_member")
    limited = Actor(limited_id, "limited_team_member")
    posting = app.postings.create("Backend engineer", admin, team="Platform", location="Berlin",
                                 state="published", hiring_team=[limited_id]).id
    other = app.postings.create("Designer", admin, state="published").id
    app.postings.change_state(other, "internal", admin)

    ada = app.candidates.create("Ada Lovelace", ["ada.lovelace@example.com"], recruiter,
                               phones=["+49 30 1234"], location="London",
                               headline="Analyst", links=["https://ada.example"],
                               tags=["math"], sources=["LinkedIn"]).id
    bob = app.candidates.create("Bob Builder", ["bob@builders.example"], recruiter,
                               sources=["Excel import"]).id
    app.candidates.update_profile(
        ada, {"headline": "Senior analyst", "tags": ["math", "silver-medallist"]}, recruiter)

    first = app.opportunities.add(ada, recruiter, posting_id=posting, origin="referred",
                                sources=["Referral"], tags=["backend"]).id
    plain = app.files.attach(first, "ada-cv.pdf", b"%PDF cv", "application/pdf", recruiter,
                            kind="resume").extra["file_id"]
    secret = app.files.attach(first, "salary.txt", b"secret numbers", "text/plain", admin,
                             secret=True).extra["file_id"]
    app.opportunities.record_referral(first, recruiter_id, recruiter, relationship="ex-colleague",
                        notes="worked together at ACME")
    app.opportunities.change_stage(first, "phone_interview", recruiter)
    app.opportunities.add_tags(first, ["strong"], recruiter)
    app.opportunities.remove_tag(first, "backend", recruiter)

    general = app.opportunities.add(ada, recruiter, general=True, sources=["Event"]).id
    copy = app.opportunities.add(
        ada, recruiter, posting_id=other,
        copy_from={"opportunity_id": first,
                   "categories": ["files", "resumes", "sources", "tags", "referral"],
                   "archive_source": {"reason": "position_filled"}}).id
    app.opportunities.convert(general, posting, recruiter)
    app.opportunities.archive(general, "timing", recruiter)
    app.opportunities.unarchive(general, recruiter)
    app.opportunities.archive(general, "withdrew", recruiter)

    bob_opp = app.opportunities.add(bob, recruiter, general=True, tags=["frontend"]).id
    app.opportunities.archive(bob_opp, "underqualified", recruiter)

    pool_id = uuid4()
    candidate = app.store.load(Candidate, ada)
    candidate.add_to_pool(pool_id=pool_id, by=recruiter)
    candidate.link_external_id(system="ats", external_id="A-1", by=recruiter)
    candidate.tag(tag="vip", by=recruiter)
    candidate.add_source(source="Talent form: Newsletter", by=recruiter)
    app.store.record(candidate)
    opportunity = app.store.load(Opportunity, copy)
    opportunity.send_to_ats(by=admin)
    opportunity.record_ats_application(external_id="ATS-9", by=admin)
    app.store.record(opportunity)

    app.consent.request(ada, recruiter, deadline_days=14)
    app.consent.grant(ada, recruiter, channel="email")
    app.consent.request(bob, recruiter)
    last = app.consent.request_deletion(bob, recruiter).position
    return Story(admin, recruiter, limited, posting, other, ada, bob, first, general, copy,
                 secret, plain, pool_id, last, {"bob_opportunity": bob_opp})


READ_TABLES = ("candidates", "opportunities", "opportunity_files", "postings", "users",
               "analytics_opportunities", "archive_events", "consent_events")


def dump(database: Any) -> dict[str, list[tuple]]:
    """Every row of every read table, in a stable order, for exact comparison."""
    tables: dict[str, list[tuple]] = {}
    with database.pool.connection() as conn:
        for table in READ_TABLES:
            rows = conn.execute(f"SELECT * FROM read.{table}").fetchall()
            tables[table] = sorted(rows, key=repr)
    return tables
