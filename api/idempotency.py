"""`Idempotency-Key` on creating POSTs: a retried request replays the first answer.

The key is claimed with an INSERT inside a transaction that stays open while the command
runs, so a concurrent duplicate blocks on the row instead of running the command twice;
when the first finishes it sees the stored answer. A failure worth retrying (a lost race,
an outage) rolls the claim back, so the retry runs for real. Answers are kept for 24 hours
and then purged by a chore; erasure forgets a candidate's at once
(projections/idempotency_keys.py).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from flask import Response, current_app, make_response, request
from psycopg_pool import ConnectionPool

from api.auth import current_actor
from api.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
POSITION_HEADER = "X-Rekindle-Position"
TTL = "24 hours"
NOT_STORED = frozenset({409, 412, 429})
"""Answers that depend on the moment (a lost race, a version moved on, a rate limit), not on
the request: a retry with the same key runs again."""


def _request_hash() -> str:
    """What makes two requests the same one: method, path, media type and body. A multipart
    body has been parsed by the time the key is checked, so its fields and files are hashed
    (each file rewound for the route to read)."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0" + request.path.encode() + b"\0")
    digest.update(request.mimetype.encode() + b"\0")
    if request.mimetype.startswith("multipart/"):
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}".encode() + b"\0")
        for name, upload in sorted(request.files.items(multi=True), key=lambda f: f[0]):
            digest.update(f"{name}:{upload.filename}:{upload.mimetype}".encode() + b"\0")
            stream = upload.stream
            start = stream.tell()
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
            stream.seek(start)
    else:
        digest.update(request.get_data(cache=True, parse_form_data=False))
    return digest.hexdigest()


def _replay(status: int, body: str | None, position: int | None,
            location: str | None) -> Response:
    response = make_response(body or "", status)
    response.mimetype = "application/json"
    if position is not None:
        response.headers[POSITION_HEADER] = str(position)
    if location is not None:
        response.headers["Location"] = location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _candidate_of(kwargs: dict[str, Any], response: Response, subject: str | None) -> UUID | None:
    if "candidate_id" in kwargs:
        return UUID(str(kwargs["candidate_id"]))
    if subject and response.is_json:
        value = (response.get_json(silent=True) or {}).get(subject)
        try:
            return UUID(str(value)) if value else None
        except ValueError:
            return None
    return None


def idempotent(candidate_field: str | None = "candidate_id") -> Callable[[F], F]:
    """Wraps a creating POST (below `requires`, so the caller is known).

    `candidate_field` names the response field holding the candidate the answer is about,
    unless the route has a `candidate_id` path argument; it lets GDPR erasure purge it.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(HEADER)
            if key is None:
                return view(*args, **kwargs)
            if not key or len(key) > 255:
                raise ApiError("validation_error", "the Idempotency-Key is empty or too long",
                               {HEADER: ["must be 1 to 255 characters"]})
            pool = current_app.extensions["rekindle.runtime"].database.pool
            return _run_once(pool, key, current_actor().user_id, view, args, kwargs,
                             candidate_field)

        wrapper._rekindle_idempotent = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _run_once(pool: ConnectionPool, key: str, user_id: UUID, view: Callable[..., Any],
              args: tuple, kwargs: dict[str, Any], candidate_field: str | None) -> Any:
    request_hash = _request_hash()
    with pool.connection() as conn:
        try:
            response = _claim_and_run(conn, key, user_id, request_hash, view, args, kwargs,
                                      candidate_field)
        except _Discard as discarded:
            return discarded.response
        if response is not None:
            return response
        row = conn.execute(
            "SELECT request_hash, status, body, position, location "
            "FROM rekindle.idempotency_keys "
            "WHERE user_id = %s AND key = %s", (user_id, key)).fetchone()
    if row is None:
        raise ApiError("idempotency_in_progress",
                       "a request with this Idempotency-Key was just abandoned; try again")
    stored_hash, status, body, position, location = row
    if stored_hash != request_hash:
        raise ApiError("idempotency_key_reused",
                       "this Idempotency-Key was used with another request",
                       {HEADER: ["already used with a different body"]})
    if status is None:
        raise ApiError("idempotency_in_progress", "a request with this key is still running")
    return _replay(status, body, position, location)


def _claim_and_run(conn: Any, key: str, user_id: UUID, request_hash: str,
                   view: Callable[..., Any], args: tuple, kwargs: dict[str, Any],
                   candidate_field: str | None) -> Response | None:
    """None when another request held the key (it has finished once the INSERT returns).

    An expired claim is taken over by the same statement (no separate DELETE round trip).
    """
    with conn.transaction():
        claimed = conn.execute(
            "INSERT INTO rekindle.idempotency_keys (user_id, key, request_hash, expires_at) "
            f"VALUES (%s, %s, %s, now() + interval '{TTL}') "
            "ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
            " status = NULL, body = NULL, position = NULL, candidate_id = NULL, location = NULL,"
            " created_at = now(), expires_at = EXCLUDED.expires_at"
            " WHERE rekindle.idempotency_keys.expires_at < now() RETURNING 1",
            (user_id, key, request_hash)).fetchone()
        if not claimed:
            return None
        response = make_response(view(*args, **kwargs))
        if response.status_code >= 500 or response.status_code in NOT_STORED:
            raise _Discard(response)
        position = response.headers.get(POSITION_HEADER)
        conn.execute(
            "UPDATE rekindle.idempotency_keys SET status = %s, body = %s, position = %s,"
            " candidate_id = %s, location = %s WHERE user_id = %s AND key = %s",
            (response.status_code, response.get_data(as_text=True),
             int(position) if position else None,
             _candidate_of(kwargs, response, candidate_field),
             response.headers.get("Location"), user_id, key))
        return response


class _Discard(Exception):
    """Rolls the claim back but still answers with the response."""

    def __init__(self, response: Response) -> None:
        super().__init__("discarded")
        self.response = response
