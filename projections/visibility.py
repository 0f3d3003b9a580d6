"""The access policy's scope (domain/access.py `Scope`) as SQL over the read tables.

Every query that returns a candidate, an opportunity or a file filters with these clauses;
tests/projections/test_visibility.py checks on generated data that they select exactly
what `domain.access.sees_opportunity`, `sees_candidate` and `sees_file` allow, for every role.
For callers who see everything the clause is `true`, so PostgreSQL plans their queries
without the subquery.
"""

from __future__ import annotations

from typing import Any

from domain.access import Scope

DERIVED = ("opportunity_tags", "opportunity_sources", "archive_reasons", "stages")
"""A candidate's columns summing up their opportunities."""


def params(scope: Scope) -> dict[str, Any]:
    return {"scope_member": scope.member}


def opportunity_visible(scope: Scope, o: str = "o") -> str:
    if scope.everything:
        return "true"
    return (f"({o}.posting_id IS NOT NULL AND EXISTS (SELECT 1 FROM read.postings vp "
            f"WHERE vp.id = {o}.posting_id AND %(scope_member)s = ANY(vp.hiring_team)))")


def candidate_visible(scope: Scope, c: str = "c") -> str:
    if scope.everything:
        return "true"
    return (f"EXISTS (SELECT 1 FROM read.opportunities vo WHERE vo.candidate_id = {c}.id "
            f"AND {opportunity_visible(scope, 'vo')})")


def file_visible(scope: Scope, f: str = "f") -> str:
    return "true" if scope.secret_files else f"NOT {f}.secret"


def derived_columns(scope: Scope, c: str = "c") -> tuple[str, dict[str, str]]:
    """A join, and the expression of each DERIVED column, over the opportunities the scope
    sees: the stored columns for callers who see them all, else summed up afresh."""
    if scope.everything:
        return "", {name: f"{c}.{name}" for name in DERIVED}
    join = (
        " CROSS JOIN LATERAL (SELECT"
        " coalesce(array_agg(DISTINCT t) FILTER (WHERE t IS NOT NULL), '{}') AS tags,"
        " coalesce(array_agg(DISTINCT s) FILTER (WHERE s IS NOT NULL), '{}') AS sources,"
        " coalesce(array_agg(DISTINCT d.archive_reason)"
        "   FILTER (WHERE d.archive_reason IS NOT NULL), '{}') AS reasons,"
        " coalesce(array_agg(DISTINCT d.stage) FILTER (WHERE d.stage IS NOT NULL), '{}')"
        "   AS stages"
        " FROM read.opportunities d"
        " LEFT JOIN LATERAL unnest(CASE WHEN d.tags = '{}' THEN ARRAY[NULL] ELSE d.tags END)"
        "   AS t ON true"
        " LEFT JOIN LATERAL unnest(CASE WHEN d.sources = '{}' THEN ARRAY[NULL]"
        "   ELSE d.sources END) AS s ON true"
        f" WHERE d.candidate_id = {c}.id AND {opportunity_visible(scope, 'd')}) AS seen")
    return join, {"opportunity_tags": "seen.tags", "opportunity_sources": "seen.sources",
                  "archive_reasons": "seen.reasons", "stages": "seen.stages"}
