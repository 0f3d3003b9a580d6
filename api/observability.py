"""What an operator sees of each request: its id, its access log line and its metrics.

`install(app, api)` adds them to the Flask app, with the public `GET /metrics`.

- Request ids: the caller's `X-Request-Id` if it is a safe token (at most 128 of
  `[A-Za-z0-9._-]`, so it can go into logs and headers as it is), else a new uuid4 hex. It
  is on every answer, errors included, and on every log line of the request (api/logs.py).
- Metrics are labelled by the URL rule (`/v1/candidates/<uuid:candidate_id>`), never the
  raw path: one series per route whatever the ids, and no value a caller chose. Requests
  that match no rule share the label `unmatched`; methods outside HTTP's own are `other`.
- The access log is one structured line per request. It names the route rule, not the
  path: a path can hold a tag or a file name a recruiter typed, while the rule is fixed
  text. It adds the path's ids (the UUID arguments of the route), which are opaque and say
  which record a request touched, what an operator looks for when tracing a complaint. No
  query string (a search can hold a name or an email) and no body.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Request, Response, g, request
from prometheus_client import Counter, Histogram

from api.auth import current_user_id
from api.logs import request_id

log = logging.getLogger("rekindle.access")

HEADER = "X-Request-Id"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0)
"""Up to 20 s: a request waits at most 5 s per database step, a few steps at most."""

REQUESTS = Counter("rekindle_http_requests", "HTTP requests answered, by route rule and status",
                   ["method", "route", "status"])
DURATION = Histogram("rekindle_http_request_duration_seconds",
                     "Time from the request's arrival in Flask to its answer, by route rule",
                     ["method", "route"], buckets=BUCKETS_S)


def accepted_id(given: str | None) -> str:
    """The caller's id if it is safe to repeat, else a fresh one."""
    if given is not None and VALID_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def route_label(req: Request) -> str:
    rule = req.url_rule
    return rule.rule if rule is not None else UNMATCHED


def method_label(req: Request) -> str:
    return req.method if req.method in METHODS else "other"


def path_ids(req: Request) -> dict[str, str]:
    """The route's UUID arguments (`candidate_id`, `file_id`...), nothing a person typed."""
    return {name: str(value) for name, value in (req.view_args or {}).items()
            if isinstance(value, uuid.UUID)}


def _begin() -> None:
    state = g._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    state.request_started = time.perf_counter()
    state.request_id = accepted_id(request.headers.get(HEADER))
    state.request_id_token = request_id.set(state.request_id)


def _answer(response: Response) -> Response:
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    state = g._get_current_object()  # type: ignore[attr-defined]
    rid = getattr(state, "request_id", None) or accepted_id(None)
    response.headers[HEADER] = rid
    started = getattr(state, "request_started", None)
    elapsed = time.perf_counter() - started if started is not None else 0.0
    method, route, status = method_label(req), route_label(req), response.status_code
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(method, route).observe(elapsed)
    if log.isEnabledFor(logging.INFO):
        user_id = current_user_id()
        duration_ms = round(elapsed * 1000, 1)
        log.info("%s %s %s %.1f ms", method, route, status, duration_ms,
                 extra={"method": method, "route": route, "status": status,
                        "duration_ms": duration_ms,
                        "user_id": str(user_id) if user_id else None,
                        "ids": path_ids(req), "request_id": rid})
    return response


def _end(_error: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        request_id.reset(token)


def install(app: Flask, api: Any) -> None:
    """Request ids, access log and HTTP metrics on every request, and `GET /metrics`.

    The request id is taken before any other hook runs: an earlier hook that refuses the
    request (a body over the limit) would otherwise skip it, and its error line and answer
    would go without the id."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_answer)
    app.teardown_request(_end)
    from api.routes import metrics

    api.register_blueprint(metrics.blp)
    metrics.create_registry(app)
