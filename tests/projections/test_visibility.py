"""The read side's scope clauses (projections/visibility.py) select exactly what the access
policy's predicates allow (domain/access.py), for every role, on generated data."""

from __future__ import annotations

import random

from domain import access
from domain.actor import Actor
from domain.opportunity import Opportunity
from domain.posting import Posting
from domain.service import Rekindle
from projections import queries
from projections.service import ProjectionService

ROLES = ("super_admin", "admin", "team_member", "limited_team_member", "auditor")


def test_the_sql_scope_agrees_with_the_policy(app: Rekindle, admin: Actor, database) -> None:
    rnd = random.Random(20261201)
    members = [Actor(app.users.create(f"L{i}", f"l{i}@example.com", "limited_team_member",
                                      admin).id, "limited_team_member") for i in range(3)]
    viewers = [Actor(app.users.create(f"{r}", f"{r}@example.com", r, admin).id, r)
               for r in ROLES if r != "limited_team_member"] + members
    postings = [app.postings.create(f"P{i}", admin, state="published", hiring_team=[
        m.user_id for m in members if rnd.random() < 0.4]).id for i in range(5)]
    candidates = [app.candidates.create(f"C{i}", [f"c{i}@example.com"], admin).id
                  for i in range(12)]
    for candidate_id in candidates:
        for _ in range(rnd.randint(0, 3)):
            choice = rnd.choice([None, *postings])
            app.opportunities.add(candidate_id, admin, posting_id=choice,
                                  general=choice is None)
    for posting_id in rnd.sample(postings, 2):  # teams change after the fact too
        app.postings.change_hiring_team(posting_id, [m.user_id for m in members
                                                     if rnd.random() < 0.5], admin)
    with ProjectionService(database, ["profiles"]).start() as service:
        assert service.wait(app.store.head(), 20)

    team = {p: app.store.load(Posting, p).hiring_team for p in postings}
    checked = 0
    limited_answers = set()
    for viewer in viewers:
        scope = access.scope_of(viewer)
        for candidate_id in candidates:
            opportunities = app.lookups.opportunities_of(candidate_id)
            teams = [team[o.posting_id] if o.posting_id else None for o in opportunities]
            expected = access.sees_candidate(scope, teams)
            if not scope.everything:
                limited_answers.add(expected)
            assert queries.candidate_visible(database.pool, candidate_id, viewer) == expected
            assert app.access.sees_candidate(viewer, candidate_id) == expected
            seen = set(queries.visible_opportunity_ids(database.pool, candidate_id, viewer))
            assert seen == {o.id for o, t in zip(opportunities, teams, strict=True)
                            if access.sees_opportunity(scope, t)}
            for opportunity in opportunities:
                found = queries.get_opportunity(database.pool, opportunity.id, viewer)
                assert (found is not None) == _sees(app, viewer, opportunity)
                checked += 1
        listed = {r["id"] for r in queries.list_candidates(database.pool, viewer,
                                                           limit=500)["items"]}
        assert listed == {c for c in candidates if app.access.sees_candidate(viewer, c)}
    assert checked > 50
    assert limited_answers == {True, False}, "the data must show both answers to a member"


def _sees(app: Rekindle, viewer: Actor, opportunity: Opportunity) -> bool:
    return app.access.sees_opportunity(viewer, opportunity)
