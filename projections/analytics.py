"""Analytics for SQL readers: outcomes, re-engagement, archive reasons and the consent funnel.

The projection keeps event-level facts (which the profile view overwrites) in its own
tables, and the aggregate views read only those tables, so either projection can be
rebuilt on its own. Columns and meanings: the README, "Analytics tables". No personal
data is stored here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from psycopg import Cursor

from projections.runner import ReadProjection, ReadView

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.analytics_opportunities (
        opportunity_id uuid PRIMARY KEY, candidate_id uuid NOT NULL, posting_id uuid,
        origin text NOT NULL, sources text[] NOT NULL DEFAULT '{}', stage text NOT NULL,
        archive_reason text, archived_at timestamptz, created_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS analytics_opportunities_candidate "
    "ON read.analytics_opportunities (candidate_id, created_at)",
    """CREATE TABLE IF NOT EXISTS read.archive_events (
        position bigint PRIMARY KEY, opportunity_id uuid NOT NULL, candidate_id uuid NOT NULL,
        posting_id uuid, reason text NOT NULL, archived_at timestamptz NOT NULL,
        unarchived_at timestamptz)""",
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
    """CREATE OR REPLACE VIEW read.reengagement AS
        SELECT a.candidate_id, a.opportunity_id AS archived_opportunity_id, a.reason,
               a.archived_at, n.opportunity_id AS next_opportunity_id,
               n.created_at AS next_created_at, n.created_at - a.archived_at AS time_to_next
        FROM read.archive_events a
        JOIN LATERAL (SELECT opportunity_id, created_at FROM read.analytics_opportunities x
                      WHERE x.candidate_id = a.candidate_id AND x.created_at > a.archived_at
                        AND x.opportunity_id <> a.opportunity_id
                      ORDER BY created_at LIMIT 1) n ON true""",
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
    tables_sql = TABLES_SQL
    tables = ("analytics_opportunities", "archive_events", "consent_events")
    views = ("opportunity_outcomes", "reengagement", "archive_reasons_by_posting",
             "consent_funnel")


class AnalyticsProjection(ReadProjection):
    name = "analytics"
    view_class: ClassVar[type[ReadView]] = AnalyticsView

    def on_OpportunityCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.analytics_opportunities (opportunity_id, candidate_id, "
                    "posting_id, origin, sources, stage, created_at) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (e.originator_id, e.candidate_id, e.posting_id, e.origin, list(e.sources),
                     e.stage, e.timestamp))

    def _update(self, cur: Cursor[Any], e: Any, sets: str, args: tuple[Any, ...]) -> None:
        cur.execute(f"UPDATE read.analytics_opportunities SET {sets} WHERE opportunity_id = %s",
                    (*args, e.originator_id))

    def on_InfoCopied(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._update(cur, e, "origin = COALESCE(%s, origin), sources = ARRAY(SELECT DISTINCT "
                     "unnest(sources || %s::text[]) ORDER BY 1)",
                     (e.origin or None, list(e.sources)))

    def on_StageChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._update(cur, e, "stage = %s", (e.stage,))

    def on_ConvertedToPosting(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._update(cur, e, "posting_id = %s", (e.posting_id,))

    def on_OpportunityArchived(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._update(cur, e, "archive_reason = %s, archived_at = %s", (e.reason, e.at))
        cur.execute("INSERT INTO read.archive_events (position, opportunity_id, candidate_id, "
                    "posting_id, reason, archived_at) SELECT %s, opportunity_id, candidate_id, "
                    "posting_id, %s, %s FROM read.analytics_opportunities "
                    "WHERE opportunity_id = %s ON CONFLICT DO NOTHING",
                    (self._position(e), e.reason, e.at, e.originator_id))

    def on_OpportunityUnarchived(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._update(cur, e, "archive_reason = NULL, archived_at = NULL", ())
        cur.execute("UPDATE read.archive_events SET unarchived_at = %s WHERE opportunity_id = %s "
                    "AND unarchived_at IS NULL", (e.timestamp, e.originator_id))

    def _consent(self, cur: Cursor[Any], e: Any, kind: str) -> None:
        cur.execute("INSERT INTO read.consent_events (position, candidate_id, kind, occurred_at) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (self._position(e), e.originator_id, kind, e.timestamp))

    def on_ConsentRequested(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._consent(cur, e, "requested")

    def on_ConsentGranted(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._consent(cur, e, "granted")

    def on_ConsentRevoked(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._consent(cur, e, "revoked")

    def on_ConsentExpired(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._consent(cur, e, "expired")

    def _position(self, e: Any) -> int:
        return self.current_position
