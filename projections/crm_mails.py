"""The mails list (`read.crm_mails`), part of the CRM view: kinds, statuses and attempts.

Ids, kinds, statuses, attempt counts, the last error (which never quotes an address: the
transport blanks them out) and times: no address, no name, no body, so a row may outlive the
person it went to. A campaign's `sent_count` counts the candidates its mails reached.
"""

from __future__ import annotations

from typing import Any

from psycopg import Cursor

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.crm_mails (
        id uuid PRIMARY KEY, kind text NOT NULL, candidate_id uuid, recipient_user_id uuid,
        campaign_id uuid, variant text, status text NOT NULL, attempts integer NOT NULL,
        last_error text, created_at timestamptz NOT NULL, sent_at timestamptz,
        updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS crm_mails_created ON read.crm_mails (created_at, id)",
    "CREATE INDEX IF NOT EXISTS crm_mails_candidate ON read.crm_mails (candidate_id, created_at)",
    "CREATE INDEX IF NOT EXISTS crm_mails_campaign ON read.crm_mails (campaign_id, status)",
)
TABLES = ("crm_mails",)
BARRIERS = frozenset({"MailSent"})  # it counts on the campaign's row
CAMPAIGN_SENT = ("UPDATE read.crm_campaigns c SET sent_count = (SELECT count(DISTINCT "
                 "m.candidate_id) FROM read.crm_mails m WHERE m.campaign_id = c.id "
                 "AND m.status = 'sent') WHERE c.id = ")


class MailRows:
    """The CRM projection's handlers of the Mail events."""

    def on_MailQueued(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.crm_mails (id, kind, candidate_id, recipient_user_id, "
                    "campaign_id, variant, status, attempts, created_at, updated_at) VALUES "
                    "(%s, %s, %s, %s, %s, %s, 'queued', 0, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.kind, e.candidate_id, e.recipient_user_id,
                     e.campaign_id, e.variant, e.timestamp, e.timestamp))

    def _outcome(self, cur: Cursor[Any], e: Any, status: str, error: str | None,
                 attempt: int) -> None:
        cur.execute("UPDATE read.crm_mails SET status = %s, attempts = attempts + %s, "
                    "last_error = %s, updated_at = %s WHERE id = %s",
                    (status, attempt, error, e.timestamp, e.originator_id))

    def on_MailAttemptFailed(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._outcome(cur, e, "queued", e.error, 1)

    def on_MailFailed(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._outcome(cur, e, "failed", e.error, 1)

    def on_MailCancelled(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._outcome(cur, e, "cancelled", e.reason, 0)

    def on_MailSent(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.crm_mails SET status = 'sent', attempts = attempts + 1, "
                    "sent_at = %s, updated_at = %s WHERE id = %s",
                    (e.at, e.timestamp, e.originator_id))
        cur.execute(CAMPAIGN_SENT + "(SELECT campaign_id FROM read.crm_mails WHERE id = %s)",
                    (e.originator_id,))
