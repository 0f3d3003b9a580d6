"""GDPR chores: consent deadlines that pass, and deletion requests that fall due.

Finding who is due never scans aggregates. The "gdpr" handler follows the candidates'
consent and deletion events and keeps a small index, `rekindle.gdpr_deadlines`
(candidate_id, kind, due_at), one row per pending deadline:

- `consent`  — a consent request's deadline (ConsentRequested; gone on grant, revoke, expiry);
- `expiry`   — expired consent, due for anonymization after `anonymize_grace_days`;
- `deletion` — a deletion request, due after `deletion_delay_days`;
- `reminder` — the one reminder mail of an open request, `consent_reminder_days` after it;
- `renewal`  — the renewal request of a grant, `consent_renewal_days` before it lapses;
- `lapse`    — the end of a granted consent (`consent_valid_days`), when it expires.

Each row remembers the candidate version that wrote it, so a redelivered older message never
overwrites a newer fact. The index may still be stale (a message in flight, a redelivery
after anonymization): the chores hand each due row to a domain command that re-checks the
candidate and does nothing when nothing is due, then drop the row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from psycopg_pool import ConnectionPool

from consumers.messages import Message
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import DomainError
from domain.settings import Settings

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)

FOLLOWED = ("ConsentRequested", "ConsentGranted", "ConsentRevoked", "ConsentExpired",
            "DeletionRequested", "CandidateAnonymized")
BATCH = 500

# --- the index ----------------------------------------------------------------------------------


def set_deadline(pool: ConnectionPool, candidate_id: UUID, kind: str, due_at: datetime,
                 version: int) -> None:
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO rekindle.gdpr_deadlines (candidate_id, kind, due_at, version) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (candidate_id, kind) DO UPDATE "
            "SET due_at = EXCLUDED.due_at, version = EXCLUDED.version "
            "WHERE rekindle.gdpr_deadlines.version < EXCLUDED.version",
            (candidate_id, kind, due_at, version))


def clear_deadlines(pool: ConnectionPool, candidate_id: UUID, kinds: tuple[str, ...],
                    version: int) -> None:
    """Drops rows written before `version` (a newer row is a newer fact, and stays)."""
    with pool.connection() as conn:
        conn.execute(
            "DELETE FROM rekindle.gdpr_deadlines WHERE candidate_id = %s AND kind = ANY(%s) "
            "AND version < %s", (candidate_id, list(kinds), version))


def due(pool: ConnectionPool, kind: str, now: datetime, limit: int = BATCH) -> list[UUID]:
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT candidate_id FROM rekindle.gdpr_deadlines WHERE kind = %s AND due_at <= %s "
            "ORDER BY due_at LIMIT %s", (kind, now, limit)).fetchall()
    return [row[0] for row in rows]


def done(pool: ConnectionPool, candidate_id: UUID, kind: str, now: datetime) -> None:
    """Drops a handled row, unless a newer fact moved its deadline past `now` meanwhile."""
    with pool.connection() as conn:
        conn.execute("DELETE FROM rekindle.gdpr_deadlines WHERE candidate_id = %s AND kind = %s "
                     "AND due_at <= %s", (candidate_id, kind, now))


CONSENT_MAILS = ("reminder", "renewal", "lapse")


def _moment(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def apply(pool: ConnectionPool, message: Message, settings: Settings) -> None:
    """Updates the index for one candidate event (idempotent, order-safe per candidate)."""
    cid, version, kind, data = message.aggregate_id, message.version, message.type, message.data
    if kind == "ConsentRequested":
        deadline = datetime.fromisoformat(data["deadline"])
        set_deadline(pool, cid, "consent", deadline, version)
        clear_deadlines(pool, cid, ("expiry", *CONSENT_MAILS), version)
        proof = data.get("proof") or {}
        asked = _moment(proof.get("at"))
        if asked is not None and proof.get("channel") != "form":
            remind = asked + timedelta(days=settings.consent_reminder_days)
            if remind < deadline:
                set_deadline(pool, cid, "reminder", remind, version)
    elif kind == "ConsentGranted":
        clear_deadlines(pool, cid, ("consent", "expiry", *CONSENT_MAILS), version)
        at = _moment(data.get("at")) or message.occurred_at
        lapse = _moment(data.get("valid_until")) or at + timedelta(
            days=settings.consent_valid_days)
        set_deadline(pool, cid, "lapse", lapse, version)
        set_deadline(pool, cid, "renewal",
                     lapse - timedelta(days=settings.consent_renewal_days), version)
    elif kind == "ConsentRevoked":
        clear_deadlines(pool, cid, ("consent", "expiry", *CONSENT_MAILS), version)
    elif kind == "ConsentExpired":
        clear_deadlines(pool, cid, ("consent", *CONSENT_MAILS), version)
        set_deadline(pool, cid, "expiry",
                     message.occurred_at + timedelta(days=settings.anonymize_grace_days),
                     version)
    elif kind == "DeletionRequested":
        at = datetime.fromisoformat(data["at"])
        set_deadline(pool, cid, "deletion", at + timedelta(days=settings.deletion_delay_days),
                     version)
    elif kind == "CandidateAnonymized":
        clear_deadlines(pool, cid, ("consent", "expiry", "deletion", *CONSENT_MAILS),
                        version + 1)


class GdprHandler:
    """Keeps `rekindle.gdpr_deadlines` in step with the candidates' consent and deletions."""

    name = "gdpr"

    def wants(self, message: Message) -> bool:
        return message.aggregate_type == "Candidate" and message.type in FOLLOWED

    def handle(self, message: Message, runtime: Context, tracking_name: str) -> None:
        apply(runtime.database.pool, message, runtime.settings)


# --- the chores ---------------------------------------------------------------------------------


def expire_consents(runtime: Context, now: datetime) -> int:
    """Expires consent requests past their deadline, then anonymizes expired profiles whose
    grace period is over (reason "expiry"). Returns how many events were recorded."""
    pool = runtime.database.pool
    consent, system = runtime.rekindle.consent, Actor.system()
    recorded = 0
    for kind in ("consent", "lapse"):
        for candidate_id in due(pool, kind, now):
            try:
                result = consent.expire(candidate_id, system, at=now)
            except DomainError as error:
                log.warning("consent expiry for %s skipped: %s", candidate_id, error.message)
            else:
                if result.extra["expired"]:
                    recorded += 1
                    set_deadline(pool, candidate_id, "expiry", result.extra["anonymize_at"],
                                 result.extra["version"])
            done(pool, candidate_id, kind, now)
    return recorded + _anonymize_due(runtime, "expiry", now)


def send_consent_reminders(runtime: Context, now: datetime) -> int:
    """Queues the reminder of each request still open after `consent_reminder_days`."""
    return _queue_consent_mails(runtime, "reminder", now)


def request_consent_renewals(runtime: Context, now: datetime) -> int:
    """Queues the renewal request of each grant `consent_renewal_days` before it lapses."""
    return _queue_consent_mails(runtime, "renewal", now)


def _queue_consent_mails(runtime: Context, kind: str, now: datetime) -> int:
    pool, queued = runtime.database.pool, 0
    for candidate_id in due(pool, kind, now):
        try:
            result = runtime.rekindle.mails.queue_consent(candidate_id, kind, at=now)
        except DomainError as error:
            log.warning("consent %s for %s skipped: %s", kind, candidate_id, error.message)
            result = False
        done(pool, candidate_id, kind, now)
        if isinstance(result, datetime):  # not due yet after all: moved
            version = runtime.rekindle.store.load(Candidate, candidate_id).version
            set_deadline(pool, candidate_id, kind, result, version)
        queued += result is True
    return queued


def process_deletions(runtime: Context, now: datetime) -> int:
    """Anonymizes candidates whose deletion request is older than `deletion_delay_days`."""
    return _anonymize_due(runtime, "deletion", now)


def _anonymize_due(runtime: Context, kind: str, now: datetime) -> int:
    """Hands each due row to the domain, which re-checks; a row it finds early is moved."""
    pool = runtime.database.pool
    anonymized = 0
    for candidate_id in due(pool, kind, now):
        try:
            result = runtime.rekindle.consent.anonymize_if_due(candidate_id, Actor.system(),
                                                               at=now)
        except DomainError as error:
            log.warning("anonymization of %s skipped: %s", candidate_id, error.message)
            done(pool, candidate_id, kind, now)
            continue
        done(pool, candidate_id, kind, now)
        anonymized += result.extra["reason"] is not None
        if result.extra.get("next_due") is not None:
            set_deadline(pool, candidate_id, kind, result.extra["next_due"],
                         result.extra["version"])
    return anonymized

