"""Analytics for SQL readers: outcomes, re-engagement, archive reasons and the consent funnel.

The projection keeps event-level facts (which the profile view overwrites) in its own
tables, and the aggregate views read only those tables, so either projection can be
rebuilt on its own. Columns and meanings: the README, "Analytics tables". No personal
data is stored here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from projections.readview import ReadProjection, ReadView, rows

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.analytics_opportunities (
        opportunity_id uuid PRIMARY KEY, candidate_id uuid NOT NULL, posting_id uuid,
        origin text NOT NULL, sources text[] NOT NULL DEFAULT '{}', stage text NOT NULL,
        archive_reason text, archived_at timestamptz, created_at timestamptz NOT NULL,
        created_position bigint NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS analytics_opportunities_candidate "
    "ON read.analytics_opportunities (candidate_id, created_position)",
    """CREATE TABLE IF NOT EXISTS read.archive_events (
        position bigint PRIMARY KEY, opportunity_id uuid NOT NULL, candidate_id uuid NOT NULL,
        posting_id uuid, reason text NOT NULL, archived_at timestamptz NOT NULL,
        unarchived_at timestamptz, copied_to_opportunity_id uuid)""",
    "CREATE INDEX IF NOT EXISTS archive_events_candidate ON read.archive_events (candidate_id)",
    """CREATE TABLE IF NOT EXISTS read.consent_events (
        position bigint PRIMARY KEY, candidate_id uuid NOT NULL, kind text NOT NULL,
        occurred_at timestamptz NOT NULL)""",
    """CREATE OR REPLACE VIEW read.opportunity_outcomes AS
        SELECT o.origin, s.source,
               coalesce(o.archive_reason,
                        CASE WHEN o.stage = 'hired' THEN 'hired' ELSE 'active' END) AS outcome,
               count(*) AS opportunities
        FROM read.analytics_opportunities o
        CROSS JOIN LATERAL unnest(CASE WHEN o.sources = '{}' THEN ARRAY['(none)']
                                       ELSE o.sources END) AS s(source)
        GROUP BY 1, 2, 3""",
    # "Next" by log position, not by clock; and the copy that copy-and-archive creates counts
    # although it is recorded (and its clock read) just before the archiving, in the same
    # transaction: the archiving names it.
    """CREATE OR REPLACE VIEW read.reengagement AS
        SELECT a.candidate_id, a.opportunity_id AS archived_opportunity_id, a.reason,
               a.archived_at, n.opportunity_id AS next_opportunity_id,
               n.created_at AS next_created_at,
               greatest(n.created_at - a.archived_at, interval '0') AS time_to_next,
               a.position AS archived_position, n.created_position AS next_created_position
        FROM read.archive_events a
        JOIN LATERAL (SELECT opportunity_id, created_at, created_position
                      FROM read.analytics_opportunities x
                      WHERE x.candidate_id = a.candidate_id
                        AND x.opportunity_id <> a.opportunity_id
                        AND (x.created_position > a.position
                             OR x.opportunity_id = a.copied_to_opportunity_id)
                      ORDER BY created_position LIMIT 1) n ON true""",
    """CREATE OR REPLACE VIEW read.archive_reasons_by_posting AS
        SELECT posting_id, reason, count(*) AS archived
        FROM read.archive_events WHERE unarchived_at IS NULL GROUP BY 1, 2""",
    "CREATE INDEX IF NOT EXISTS consent_events_candidate "
    "ON read.consent_events (candidate_id, position)",
    """CREATE OR REPLACE VIEW read.consent_funnel AS
        WITH requests AS (
            SELECT r.candidate_id, r.occurred_at AS requested_at, outcome.kind,
                   outcome.occurred_at - r.occurred_at AS waited
            FROM read.consent_events r
            LEFT JOIN LATERAL (
                SELECT o.kind, o.occurred_at FROM read.consent_events o
                WHERE o.candidate_id = r.candidate_id AND o.position > r.position
                  AND o.kind IN ('granted', 'revoked', 'expired')
                  AND o.position < COALESCE((
                      SELECT min(n.position) FROM read.consent_events n
                      WHERE n.candidate_id = r.candidate_id AND n.kind = 'requested'
                        AND n.position > r.position), 'infinity'::numeric)
                ORDER BY o.position LIMIT 1) outcome ON true
            WHERE r.kind = 'requested')
        SELECT (requested_at AT TIME ZONE 'UTC')::date AS day,
               count(*) AS requested,
               count(*) FILTER (WHERE kind = 'granted') AS granted,
               count(*) FILTER (WHERE kind = 'expired') AS expired,
               count(*) FILTER (WHERE kind = 'revoked') AS revoked,
               count(*) FILTER (WHERE kind IS NULL) AS open,
               round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM waited))
                      FILTER (WHERE kind = 'granted') / 3600)::numeric, 1)
                   AS median_hours_to_grant
        FROM requests GROUP BY 1""",
)


class AnalyticsView(ReadView):
    schema_version = 2  # created_position and copied_to_opportunity_id, for read.reengagement
    tables_sql = TABLES_SQL
    tables = ("analytics_opportunities", "archive_events", "consent_events")
    views = ("opportunity_outcomes", "reengagement", "archive_reasons_by_posting",
             "consent_funnel")


def _opportunity_sql(sets: str, columns: str) -> str:
    return (f"UPDATE read.analytics_opportunities a SET {sets} FROM "
            f"{rows('id uuid, ' + columns)} WHERE a.opportunity_id = r.id")


_CONSENT_SQL = ("INSERT INTO read.consent_events (position, candidate_id, kind, occurred_at) "
                "SELECT r.position, r.id, r.kind, r.at FROM "
                + rows("position bigint, id uuid, kind text, at timestamptz")
                + " ON CONFLICT DO NOTHING",)


class AnalyticsProjection(ReadProjection):
    name = "analytics"
    lingers = True
    view_class: ClassVar[type[ReadView]] = AnalyticsView
    bulk = {
        "OpportunityCreated": (
            "INSERT INTO read.analytics_opportunities (opportunity_id, candidate_id, posting_id, "
            "origin, sources, stage, created_at, created_position) SELECT r.id, r.candidate_id, "
            "r.posting_id, r.origin, r.sources, r.stage, r.at, r.position FROM "
            + rows("id uuid, candidate_id uuid, posting_id uuid, origin text, sources text[], "
                   "stage text, at timestamptz, position bigint")
            + " ON CONFLICT DO NOTHING",),
        "InfoCopied": (_opportunity_sql(
            "origin = COALESCE(r.origin, a.origin), "
            "sources = ARRAY(SELECT DISTINCT unnest(a.sources || r.sources) ORDER BY 1)",
            "origin text, sources text[]"),),
        "StageChanged": (_opportunity_sql("stage = r.stage", "stage text"),),
        "ConvertedToPosting": (_opportunity_sql("posting_id = r.posting_id", "posting_id uuid"),),
        "OpportunityArchived": (
            _opportunity_sql("archive_reason = r.reason, archived_at = r.archived_at",
                             "reason text, archived_at timestamptz"),
            "INSERT INTO read.archive_events (position, opportunity_id, candidate_id, "
            "posting_id, reason, archived_at, copied_to_opportunity_id) SELECT r.position, "
            "a.opportunity_id, a.candidate_id, a.posting_id, r.reason, r.archived_at, "
            "r.copied_to FROM "
            + rows("id uuid, position bigint, reason text, archived_at timestamptz, "
                   "copied_to uuid")
            + " JOIN read.analytics_opportunities a ON a.opportunity_id = r.id "
            "ON CONFLICT DO NOTHING"),
        "OpportunityUnarchived": (
            _opportunity_sql("archive_reason = NULL, archived_at = NULL", "at timestamptz"),
            "UPDATE read.archive_events e SET unarchived_at = r.at FROM "
            + rows("id uuid, at timestamptz")
            + " WHERE e.opportunity_id = r.id AND e.unarchived_at IS NULL"),
        "ConsentRequested": _CONSENT_SQL,
        "ConsentGranted": _CONSENT_SQL,
        "ConsentRevoked": _CONSENT_SQL,
        "ConsentExpired": _CONSENT_SQL,
    }

    def row_OpportunityCreated(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return {"id": e.originator_id, "candidate_id": e.candidate_id,
                "posting_id": e.posting_id, "origin": e.origin, "sources": list(e.sources),
                "stage": e.stage, "at": e.timestamp, "position": self.current_position}

    def row_InfoCopied(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return {"id": e.originator_id, "origin": e.origin or None, "sources": list(e.sources)}

    def row_StageChanged(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return {"id": e.originator_id, "stage": e.stage}

    def row_ConvertedToPosting(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return {"id": e.originator_id, "posting_id": e.posting_id}

    def row_OpportunityArchived(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return {"id": e.originator_id, "position": self.current_position, "reason": e.reason,
                "archived_at": e.at,
                "copied_to": getattr(e, "copied_to_opportunity_id", None)}

    def row_OpportunityUnarchived(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return {"id": e.originator_id, "at": e.timestamp}

    def _consent(self, e: Any, kind: str) -> dict[str, Any]:
        return {"position": self.current_position, "id": e.originator_id, "kind": kind,
                "at": e.timestamp}

    def row_ConsentRequested(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._consent(e, "requested")

    def row_ConsentGranted(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._consent(e, "granted")

    def row_ConsentRevoked(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._consent(e, "revoked")

    def row_ConsentExpired(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._consent(e, "expired")
