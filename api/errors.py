"""The one place where failures become HTTP answers: `{"error", "message", "details"}`.

Domain errors carry their API code (domain/errors.py); this module only picks the status.
Errors that only the HTTP edge knows (body too large, projection lagging, rate limited...)
are `ApiError`s raised by the API's helpers.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from flask import Flask, Response, current_app, has_request_context, jsonify, request
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from domain.errors import DomainError

log = logging.getLogger(__name__)

STATUS_BY_CODE: dict[str, int] = {
    "validation_error": 422,
    "not_found": 404,
    "unauthorized": 401,
    "forbidden": 403,
    "posting_not_found": 422,
    "posting_not_open": 422,
    "opportunity_not_of_candidate": 422,
    "opportunity_archived": 422,
    "opportunity_active": 422,
    "not_general": 422,
    "idempotency_key_reused": 422,
    "gdpr_blocked": 409,
    "duplicate_candidate": 409,
    "version_conflict": 409,
    "precondition_failed": 412,
    "unsupported_media_type": 415,
    "idempotency_in_progress": 409,
    "projection_lagging": 503,
    "payload_too_large": 413,
    "bad_request": 400,
    "method_not_allowed": 405,
    "rate_limited": 429,
    "unavailable": 503,
    "internal_error": 500,
}

CODE_BY_HTTP_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


class ApiError(Exception):
    """A failure the HTTP edge detects itself; same shape as a domain error."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def status_of(code: str) -> int:
    """A domain code without a status of its own is answered as refused input."""
    return STATUS_BY_CODE.get(code, 422)


def error_response(code: str, message: str, details: dict[str, Any] | None = None,
                   status: int | None = None, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": code, "message": message, "details": details or {}})
    response.status_code = status or status_of(code)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _messages_of(error: HTTPException) -> dict[str, Any]:
    """webargs puts `{location: {field: [messages]}}` in `error.data["messages"]`."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    details: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            details.update(fields)
        else:
            details[location] = fields
    return details


def flatten(messages: dict[Any, Any], prefix: str = "") -> dict[str, list[str]]:
    """marshmallow nests errors of list items and nested objects: `{"tags.0": [...]}` instead."""
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                out.update(flatten(item, name + "."))
        else:
            out[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return out


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code = CODE_BY_HTTP_STATUS.get(status, "bad_request" if status < 500 else "internal_error")
    details = _messages_of(error)
    if status == 422:
        message = "the request has invalid fields"
        details = flatten(details)
    elif status == 400:
        message = "the body is not valid JSON in UTF-8"
    elif status == 413:
        message = "the body is larger than allowed"
    elif status == 404:
        message, details = _not_found()
    else:
        message = error.description or error.name
    return error_response(code, message, details, status)


NIL_ID = "00000000-0000-0000-0000-000000000000"


def _not_found() -> tuple[str, dict[str, Any]]:
    """No route serves the path. If one would with a UUID in place of one of its segments,
    that segment is named: an id that is not a UUID is an unknown id."""
    if not has_request_context():
        return "nothing is served at this path", {}
    segments = request.path.split("/")
    adapter = current_app.url_map.bind("rekindle")
    for i, segment in enumerate(segments):
        if not segment or _is_uuid(segment):
            continue
        trial = "/".join([*segments[:i], NIL_ID, *segments[i + 1:]])
        try:
            adapter.match(trial, method=request.method)
        except Exception:  # no route, another method, a redirect: not an id there
            continue
        return f"no resource with id {segment!r}: ids are UUIDs", {"id": segment[:100]}
    return "nothing is served at this path", {}


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def register(app: Flask) -> None:
    """Installs the handlers; flask-smorest's own HTTPException handler is replaced in app.py."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return error_response(error.code, error.message, error.details)

    @app.errorhandler(ApiError)
    def _api(error: ApiError) -> Response:
        return error_response(error.code, error.message, error.details, headers=error.headers)

    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(StoreOperationalError)
    @app.errorhandler(StoreInterfaceError)
    def _database_down(error: Exception) -> Response:
        log.warning("database unavailable: %s", error)
        return error_response("unavailable", "the database is not reachable; try again")

    @app.errorhandler(Exception)
    def _bug(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return handle_http_exception(error)
        log.exception("unhandled error")
        return error_response("internal_error", "an unexpected error happened")
