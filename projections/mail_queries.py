"""The mails list (`GET /v1/mails`): statuses and attempts, never addresses or bodies.

Under the access policy's scope: a limited team member sees the mails about candidates they
see, and of the notification mails only their own (as with notifications themselves).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.access import LIMITED, scope_of
from domain.actor import Actor
from domain.mail import message_id
from projections import visibility as seen
from projections.paging import list_page

VIEWS = ("crm", "profiles")  # the projections whose tables these queries read


def list_mails(pool: ConnectionPool, viewer: Actor, sender: str, *,
               candidate_id: UUID | None = None, kind: str | None = None,
               status: str | None = None, limit: int | None = None,
               cursor: str | None = None) -> dict[str, Any]:
    where: list[str] = []
    params: dict[str, Any] = {}
    for column, value in (("candidate_id", candidate_id), ("kind", kind), ("status", status)):
        if value is not None:
            where.append(f"m.{column} = %({column})s")
            params[column] = value
    scope = scope_of(viewer)
    if viewer.role == LIMITED:
        visible = seen.candidate_visible(scope, "vc")
        where.append("(CASE WHEN m.kind = 'notification' THEN m.recipient_user_id = %(me)s "
                     "ELSE m.candidate_id IS NOT NULL AND EXISTS (SELECT 1 FROM read.candidates"
                     f" vc WHERE vc.id = m.candidate_id AND {visible}) END)")
        params.update(seen.params(scope), me=viewer.user_id)
    found = list_page(pool, "SELECT * FROM read.crm_mails m", where, params, limit, cursor,
                      alias="m")
    for row in found["items"]:
        row["message_id"] = message_id(row["id"], sender)
    return found
