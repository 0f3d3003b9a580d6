"""Chores that run on a clock (`rekindle worker scheduler`, or a thread of `rekindle serve`):
due reminders, GDPR deadlines, and purging what has outlived its use (expired
Idempotency-Key answers, idle rate-limit rows).

Each chore takes the runtime and "now" and returns how many things it did; the scheduler
runs them every `scheduler_interval_s` (5 s by default), so a reminder fires at most one
interval plus one run late.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from consumers.gdpr import (
    expire_consents,
    process_deletions,
    request_consent_renewals,
    send_consent_reminders,
)

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)


def fire_due_reminders(runtime: Context, now: datetime) -> int:
    """Reminders past their due time become ReminderDue plus a notification for the assignee."""
    from projections.crm_queries import due_reminder_ids

    ids = due_reminder_ids(runtime.database.pool, now)
    return runtime.rekindle.reminders.fire_due(ids, at=now)


def purge_expired_answers(runtime: Context, now: datetime) -> int:
    """Stored Idempotency-Key answers past their 24 hours are deleted. By the database's
    clock, not `now`: it stamped them, and the API compares with it."""
    from projections.idempotency_keys import purge_expired

    return purge_expired(runtime.database.pool)


def purge_idle_rate_limits(runtime: Context, now: datetime) -> int:
    """Addresses without a rate-limited hit in the last minute are forgotten (by the
    database's clock, which stamped the hits)."""
    from projections.rate_limits import purge_idle

    return purge_idle(runtime.database.pool)


CHORES: list[Callable[[Context, datetime], int]] = [
    fire_due_reminders,
    send_consent_reminders,
    request_consent_renewals,
    expire_consents,
    process_deletions,
    purge_expired_answers,
    purge_idle_rate_limits,
]


def run_due_chores(runtime: Context, now: datetime | None = None) -> int:
    """Runs every chore once; one failing chore never stops the others."""
    now = now or datetime.now(UTC)
    done = 0
    for chore in CHORES:
        try:
            done += chore(runtime, now)
        except Exception:
            log.exception("chore %s failed", getattr(chore, "__name__", chore))
    return done
