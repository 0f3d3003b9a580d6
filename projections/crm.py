"""Read models of keeping in touch: pools, rules and their runs, talent forms,
reminders, notifications and campaigns (schema `read`, tables prefixed `crm_`).

Reminder notes are personal: they come from a `Personal` value and become NULL once the
candidate's key is gone, both live (on CandidateAnonymized) and in a rebuild.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import uuid5

from psycopg import Cursor
from psycopg.types.json import Jsonb

from domain.candidate import Candidate
from domain.rule_run import RuleRun
from projections import crm_mails
from projections.crm_mails import MailRows
from projections.readview import ReadProjection, ReadView

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.crm_pools (
        id uuid PRIMARY KEY, name text NOT NULL, description text,
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL, created_by uuid, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS crm_pools_created ON read.crm_pools (created_at, id)",
    """CREATE TABLE IF NOT EXISTS read.crm_pool_members (
        pool_id uuid NOT NULL, candidate_id uuid NOT NULL, added_at timestamptz NOT NULL,
        added_by uuid, added_by_rule uuid, PRIMARY KEY (pool_id, candidate_id))""",
    "CREATE INDEX IF NOT EXISTS crm_pool_members_added ON read.crm_pool_members "
    "(pool_id, added_at, candidate_id)",
    """CREATE TABLE IF NOT EXISTS read.crm_rules (
        id uuid PRIMARY KEY, name text NOT NULL, trigger text NOT NULL, enabled boolean NOT NULL,
        filter jsonb NOT NULL, actions jsonb NOT NULL, runs integer NOT NULL DEFAULT 0,
        last_run_at timestamptz, version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS crm_rules_created ON read.crm_rules (created_at, id)",
    """CREATE TABLE IF NOT EXISTS read.crm_rule_runs (
        run_id uuid PRIMARY KEY, rule_id uuid NOT NULL, cause_event_id uuid NOT NULL,
        candidate_id uuid, effects jsonb NOT NULL, skipped jsonb NOT NULL,
        ran_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS crm_rule_runs_rule ON read.crm_rule_runs (rule_id, ran_at)",
    """CREATE TABLE IF NOT EXISTS read.crm_forms (
        id uuid PRIMARY KEY, title text NOT NULL, pool_id uuid, consent_text text,
        submissions integer NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS crm_forms_created ON read.crm_forms (created_at, id)",
    """CREATE TABLE IF NOT EXISTS read.crm_reminders (
        id uuid PRIMARY KEY, candidate_id uuid NOT NULL, assignee_id uuid NOT NULL,
        due_at timestamptz NOT NULL, note text, status text NOT NULL,
        created_by uuid, rule_id uuid,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS crm_reminders_due ON read.crm_reminders (status, due_at)",
    "CREATE INDEX IF NOT EXISTS crm_reminders_assignee ON read.crm_reminders "
    "(assignee_id, created_at)",
    """CREATE TABLE IF NOT EXISTS read.crm_notifications (
        id uuid PRIMARY KEY, recipient_id uuid NOT NULL, candidate_id uuid, reason text NOT NULL,
        message text NOT NULL, rule_id uuid, created_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS crm_notifications_recipient ON read.crm_notifications "
    "(recipient_id, created_at, id)",
    """CREATE TABLE IF NOT EXISTS read.crm_campaigns (
        id uuid PRIMARY KEY, name text NOT NULL, subject text NOT NULL, body text NOT NULL,
        sent_count integer NOT NULL DEFAULT 0, skipped_count integer NOT NULL DEFAULT 0,
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS read.crm_campaign_deliveries (
        position bigint NOT NULL, campaign_id uuid NOT NULL, candidate_id uuid NOT NULL,
        status text NOT NULL, reason text, at timestamptz NOT NULL,
        PRIMARY KEY (position, candidate_id))""",
    "CREATE INDEX IF NOT EXISTS crm_campaign_deliveries_campaign "
    "ON read.crm_campaign_deliveries (campaign_id, status)",
    """CREATE TABLE IF NOT EXISTS read.crm_imports (
        id uuid PRIMARY KEY, status text NOT NULL, file_format text NOT NULL,
        source text NOT NULL, pool_id uuid, tags text[] NOT NULL,
        rows_imported integer NOT NULL DEFAULT 0, rows_duplicate integer NOT NULL DEFAULT 0,
        rows_failed integer NOT NULL DEFAULT 0, errors jsonb NOT NULL DEFAULT '[]',
        failure text, started_by uuid, created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL)""",
    *crm_mails.TABLES_SQL,
)
TABLES = ("crm_pools", "crm_pool_members", "crm_rules", "crm_rule_runs", "crm_forms",
          "crm_reminders", "crm_notifications", "crm_campaigns", "crm_campaign_deliveries",
          "crm_imports", *crm_mails.TABLES)
MAX_KEPT_ERRORS = 1000  # an import keeps its first thousand row errors, like the job itself


class CrmView(ReadView):
    tables_sql = TABLES_SQL
    tables = TABLES
    schema_version = 4  # mails; each pool's, rule's, form's and campaign's version (ETag)


def _rule_of(e: Any) -> Any:
    return e.by.rule_id


class CrmProjection(MailRows, ReadProjection):
    """Pools, rules, forms, reminders, notifications and campaigns, for the API and analysts."""

    name = "crm"
    lingers = True
    view_class: ClassVar[type[ReadView]] = CrmView
    # touch other aggregates' rows: the candidate's reminders, a campaign's counts
    barriers = frozenset({"CandidateAnonymized", "CampaignSent", "CampaignSkipped",
                          "FormSubmitted", *crm_mails.BARRIERS})
    versioned = {"Pool": "read.crm_pools", "Rule": "read.crm_rules",
                 "TalentForm": "read.crm_forms", "Campaign": "read.crm_campaigns"}

    # --- pools --------------------------------------------------------------------------------

    def on_PoolCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_pools (id, name, description, created_at, created_by, "
                    "updated_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.name, e.description, e.timestamp, e.by.user_id,
                     e.timestamp))

    def on_PoolRenamed(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_pools SET name = %s, updated_at = %s WHERE id = %s",
                    (e.name, e.timestamp, e.originator_id))

    def on_PoolDescribed(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_pools SET description = %s, updated_at = %s WHERE id = %s",
                    (e.description, e.timestamp, e.originator_id))

    def on_AddedToPool(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_pool_members (pool_id, candidate_id, added_at, "
                    "added_by, added_by_rule) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT DO NOTHING",
                    (e.pool_id, e.originator_id, e.timestamp, e.by.user_id, _rule_of(e)))

    def on_RemovedFromPool(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("DELETE FROM read.crm_pool_members WHERE pool_id = %s AND candidate_id = %s",
                    (e.pool_id, e.originator_id))

    # --- rules --------------------------------------------------------------------------------

    def on_RuleCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_rules (id, name, trigger, enabled, filter, actions, "
                    "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.name, e.trigger, e.enabled, Jsonb(e.filter),
                     Jsonb(e.actions), e.timestamp, e.timestamp))

    def on_RuleChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_rules SET name = %s, trigger = %s, filter = %s, "
                    "actions = %s, updated_at = %s WHERE id = %s",
                    (e.name, e.trigger, Jsonb(e.filter), Jsonb(e.actions), e.timestamp,
                     e.originator_id))

    def on_RuleEnabled(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_rules SET enabled = true, updated_at = %s WHERE id = %s",
                    (e.timestamp, e.originator_id))

    def on_RuleDisabled(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_rules SET enabled = false, updated_at = %s WHERE id = %s",
                    (e.timestamp, e.originator_id))

    def on_RuleRan(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        """A RuleRun; or, from before runs had aggregates of their own, a run on the Rule."""
        if isinstance(e, RuleRun.RuleRan):
            run_id, rule_id = e.originator_id, e.rule_id
        else:
            run_id, rule_id = uuid5(e.originator_id, str(e.originator_version)), e.originator_id
        cur.execute("WITH ran AS (INSERT INTO read.crm_rule_runs (run_id, rule_id, "
                    "cause_event_id, candidate_id, effects, skipped, ran_at) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING rule_id) "
                    "UPDATE read.crm_rules SET runs = runs + 1, "
                    "last_run_at = greatest(last_run_at, %s) WHERE id IN (SELECT rule_id FROM ran)",
                    (run_id, rule_id, e.cause_event_id, e.candidate_id, Jsonb(e.effects),
                     Jsonb(e.skipped), e.at, e.at))

    # --- forms --------------------------------------------------------------------------------

    def on_TalentFormCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_forms (id, title, pool_id, consent_text, created_at) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.title, e.pool_id, e.consent_text, e.timestamp))

    def on_TalentFormChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_forms SET title = %s, pool_id = %s, consent_text = %s "
                    "WHERE id = %s", (e.title, e.pool_id, e.consent_text, e.originator_id))

    def on_FormSubmitted(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        """A submission that took effect; from before submissions had aggregates of their
        own, one counted on the form itself."""
        if hasattr(e, "form_id"):
            cur.execute("UPDATE read.crm_forms SET submissions = submissions + 1 WHERE id = %s",
                        (e.form_id,))
        else:
            cur.execute("UPDATE read.crm_forms SET submissions = %s WHERE id = %s",
                        (e.originator_version - 1, e.originator_id))

    # --- reminders and notifications ----------------------------------------------------------

    def on_ReminderSet(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        note = e.note.data.get("note") if e.note.data is not None else None
        cur.execute("INSERT INTO read.crm_reminders (id, candidate_id, assignee_id, due_at, "
                    "note, status, created_by, rule_id, created_at, updated_at) VALUES "
                    "(%s, %s, %s, %s, %s, 'pending', %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.candidate_id, e.assignee_id, e.due_at, note,
                     e.by.user_id, _rule_of(e), e.timestamp, e.timestamp))

    def on_ReminderDue(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._reminder_status(cur, e, "due")

    def on_ReminderDismissed(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._reminder_status(cur, e, "dismissed")

    def _reminder_status(self, cur: Cursor[Any], e: Any, status: str) -> None:
        cur.execute("UPDATE read.crm_reminders SET status = %s, updated_at = %s WHERE id = %s",
                    (status, e.timestamp, e.originator_id))

    def on_CandidateAnonymized(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_reminders SET note = NULL WHERE candidate_id = %s",
                    (e.originator_id,))

    def on_NotificationRecorded(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_notifications (id, recipient_id, candidate_id, reason, "
                    "message, rule_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.recipient_id, e.candidate_id, e.reason, e.message,
                     _rule_of(e), e.timestamp))

    # --- imports ------------------------------------------------------------------------------

    def on_ImportStarted(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_imports (id, status, file_format, source, pool_id, "
                    "tags, started_by, created_at, updated_at) VALUES "
                    "(%s, 'running', %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.file_format, e.source, e.pool_id, list(e.tags),
                     e.by.user_id, e.timestamp, e.timestamp))

    def on_ImportBatchRecorded(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_imports SET rows_imported = rows_imported + %s, "
                    "rows_duplicate = rows_duplicate + %s, rows_failed = rows_failed + %s, "
                    "errors = (SELECT coalesce(jsonb_agg(x ORDER BY n), '[]') FROM "
                    "jsonb_array_elements(errors || %s) WITH ORDINALITY AS t(x, n) "
                    "WHERE n <= %s), updated_at = %s WHERE id = %s",
                    (e.rows_imported, e.rows_duplicate, e.rows_failed, Jsonb(list(e.errors)),
                     MAX_KEPT_ERRORS, e.timestamp, e.originator_id))

    def on_ImportFinished(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_imports SET status = 'done', updated_at = %s WHERE id = %s",
                    (e.timestamp, e.originator_id))

    def on_ImportFailed(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_imports SET status = 'failed', failure = %s, "
                    "updated_at = %s WHERE id = %s", (e.reason, e.timestamp, e.originator_id))

    # --- campaigns ----------------------------------------------------------------------------

    def on_CampaignCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_campaigns (id, name, subject, body, created_at, "
                    "updated_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.name, e.subject, e.body, e.timestamp, e.timestamp))

    def on_CampaignSent(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        """Sent to a candidate; or, from before sends were recorded on each candidate, one
        send on the Campaign naming them all."""
        if isinstance(e, Candidate.CampaignSent):
            self._deliveries(cur, e, e.campaign_id, [(e.originator_id, "sent", None)])
        else:
            self._deliveries(cur, e, e.originator_id,
                             [(c, "sent", None) for c in e.candidate_ids]
                             + [(x["candidate_id"], "skipped", x["reason"]) for x in e.skipped])

    def on_CampaignSkipped(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._deliveries(cur, e, e.campaign_id, [(e.originator_id, "skipped", e.reason)])

    def _deliveries(self, cur: Cursor[Any], e: Any, campaign_id: Any,
                    rows: list[tuple[Any, str, str | None]]) -> None:
        cur.executemany("INSERT INTO read.crm_campaign_deliveries (position, campaign_id, "
                        "candidate_id, status, reason, at) VALUES (%s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING",
                        [(self.current_position, campaign_id, candidate_id, status, reason,
                          e.timestamp) for candidate_id, status, reason in rows])
        cur.execute("UPDATE read.crm_campaigns SET updated_at = %s, "
                    "skipped_count = (SELECT count(*) FROM read.crm_campaign_deliveries "
                    "WHERE campaign_id = %s AND status = 'skipped') WHERE id = %s",
                    (e.timestamp, campaign_id, campaign_id))
