"""The Flask application: request limits, security headers, OpenAPI, blueprints (request ids,
access log and metrics: api/observability.py).

Route modules share the helpers here: `rekindle()` (the command service), `pool()`,
`command_response`, `created_response`, `wait_for`, `found`, `listed`, plus `requires` /
`current_actor` from api/auth.py, `conditional` from api/conditional.py and the argument
schemas of api/schemas.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from apispec import BasePlugin
from flask import Flask, Response, current_app, jsonify, request, url_for
from flask_smorest import Api
from marshmallow import Schema
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from api import boundary, errors, observability, responses
from api.auth import Authenticator
from api.conditional import tag
from api.errors import ApiError
from api.fields import unstorable_path
from api.idempotency import POSITION_HEADER
from api.rendering import render, render_page
from domain.errors import NotFound, ValidationFailed
from domain.recorded import Recorded
from domain.service import Rekindle

DESCRIPTION = (
    "Event-sourced talent CRM. The contract, with the conventions every route follows (errors,"
    " read-your-writes, idempotency, conditional writes, lists), is docs/API.md in the "
    "repository; `GET /v1/docs` is this document as an interactive reference.")
MAX_JSON_DEPTH = 32
MULTIPART_OVERHEAD = 64 * 1024
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
}


class RekindleApi(Api):
    """flask-smorest's Api, answering and documenting HTTP errors in Rekindle's error shape."""

    ERROR_SCHEMA = responses.Error

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return errors.handle_http_exception(error)


class MultipartFormPlugin(BasePlugin):
    """A multipart route with both `files` and `form` arguments documents them as one body.

    flask-smorest turns only the first body location into a requestBody; the form fields
    would be left as OpenAPI 2 `formData` parameters, which OpenAPI 3 does not have.
    """

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            params = operation.get("parameters") or []
            form = [p for p in params if isinstance(p, dict) and p.get("in") == "formData"]
            if not form:
                continue
            operation["parameters"] = [p for p in params if p not in form]
            if not operation["parameters"]:
                del operation["parameters"]
            extra: dict[str, Any] = {"type": "object", "properties": {
                p["name"]: p.get("schema", {}) for p in form}}
            required = [p["name"] for p in form if p.get("required")]
            if required:
                extra["required"] = required
            content = operation.setdefault("requestBody", {}).setdefault("content", {})
            body = content.pop("multipart/form-data", None) or {}
            schema = body.get("schema")
            content["multipart/form-data"] = {"schema": {"allOf": [schema, extra]}
                                              if schema else extra}


def runtime() -> Any:
    """The Runtime this app was created with (database, command service, projections)."""
    return current_app.extensions["rekindle.runtime"]


def rekindle() -> Rekindle:
    """The command service."""
    return runtime().rekindle


def pool() -> Any:
    return runtime().database.pool


def wait_for(min_position: int | None, views: Sequence[str] | None = None) -> None:
    """Read-your-writes: wait (bounded) until the projections a route reads (`views`, or all)
    applied `min_position`."""
    if min_position is None:
        return
    rt = runtime()
    projections = rt.projections
    if projections is None or not projections.wait(min_position, views=views,
                                                   timeout=rt.settings.projection_wait_s):
        raise ApiError("projection_lagging",
                       "the read models have not caught up with that position yet; retry",
                       {"min_position": min_position}, headers={"Retry-After": "1"})


def position_of(recorded: Recorded) -> int:
    """A command that changed nothing still answers with a position: the store's latest."""
    if recorded.position is not None:
        return recorded.position
    return rekindle().store.head()


def location(endpoint: str, **values: Any) -> str:
    """The URL of a resource (a 201's `Location`), by the endpoint that reads it."""
    return url_for(endpoint, **values)


def command_response(recorded: Recorded, body: Any = None, status: int = 200, *,
                     created_at: str | None = None) -> Response:
    """JSON answer of a command, with X-Rekindle-Position for read-your-writes, and the new
    resource's URL as `Location` (`created_at`) when it created one (every 201)."""
    response = jsonify(body if body is not None else {"id": str(recorded.id)})
    response.status_code = status
    response.headers[POSITION_HEADER] = str(position_of(recorded))
    if created_at is not None:
        response.headers["Location"] = created_at
    return response


def created_response(recorded: Recorded, schema: type[Schema],
                     read: Callable[[], dict[str, Any] | None], status: int = 201, *,
                     views: Sequence[str], created_at: str | None = None) -> Response:
    """Waits (bounded) for the projections `read` uses to show the resource, then renders it,
    with its ETag.

    If they lag, the caller still gets its answer, with the id alone (`responses.Created`).
    """
    body: dict[str, Any] | None = None
    row: dict[str, Any] | None = None
    try:
        wait_for(position_of(recorded), views)
        row = read()
        body = render(schema, row) if row is not None else None
    except ApiError:
        body = None
    response = command_response(recorded, body or {"id": str(recorded.id)}, status,
                                created_at=created_at)
    return tag(response, row) if body else response


def found(schema: type[Schema], row: dict[str, Any] | None, kind: str,
          item_id: Any) -> Response:
    """The resource a query found, rendered, with its ETag when its row holds a version;
    an unknown (or unseen) id is a 404."""
    if row is None:
        raise NotFound(f"no {kind} with id {item_id}", {"id": str(item_id)})
    return tag(jsonify(render(schema, row)), row)


def listed(schema: type[Schema], found_page: dict[str, Any]) -> Response:
    """A page of rows, each rendered."""
    return jsonify(render_page(schema, found_page))


def _json_depth(value: Any) -> int:
    depth, level = 0, [(value, 1)]
    while level:
        item, d = level.pop()
        depth = max(depth, d)
        if depth > MAX_JSON_DEPTH:
            break
        if isinstance(item, dict):
            level.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            level.extend((v, d + 1) for v in item)
    return depth


def _check_request() -> None:
    """On public routes, 422 for undocumented query parameters and 415 for a body the route
    does not take (api/boundary.py; `requires` checks them on the others); 413 for bodies
    over the limit; 400 for invalid UTF-8, malformed or too-deep JSON."""
    boundary.check_public_request()
    settings = runtime().settings
    if request.mimetype.startswith("multipart/"):
        return
    limit = settings.max_json_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError("payload_too_large", f"the body is larger than {limit} bytes",
                       {"max_bytes": limit})
    request.max_content_length = limit
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    data = request.get_data(cache=True, parse_form_data=False)
    if len(data) > limit:
        raise ApiError("payload_too_large", f"the body is larger than {limit} bytes",
                       {"max_bytes": limit})
    if not data or not request.is_json:
        return
    try:
        parsed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError("bad_request", "the body is not valid UTF-8") from None
    except (ValueError, RecursionError):
        raise ApiError("bad_request", "the body is not valid JSON") from None
    if _json_depth(parsed) > MAX_JSON_DEPTH:
        raise ApiError("bad_request", f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    where = unstorable_path(parsed)
    if where is not None:
        raise ValidationFailed.field(where, "must not contain a NUL character or a lone "
                                            "UTF-16 surrogate")


def create_app(rt: Any) -> Flask:
    """The WSGI app over a started Runtime."""
    settings = rt.settings
    app = Flask("rekindle")
    app.config.update(
        API_TITLE="Rekindle",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/v1",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=max(settings.max_file_bytes, settings.max_import_bytes)
        + MULTIPART_OVERHEAD,
        MAX_FORM_MEMORY_SIZE=settings.max_json_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["rekindle.runtime"] = rt
    app.extensions["rekindle.auth"] = Authenticator(rt)

    api = RekindleApi(app, spec_kwargs={
        "info": {"description": DESCRIPTION},
    })
    api.spec.plugins.append(MultipartFormPlugin())
    api.ma_plugin.converter.add_attribute_function(responses.null_or_nested)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    errors.register(app)

    from api.routes import blueprints

    for blueprint in blueprints():
        api.register_blueprint(blueprint)

    app.before_request(_check_request)

    @app.after_request
    def _finish(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    observability.install(app, api)
    if settings.trusted_proxies:
        # the client address (rate limits) is the one the nearest trusted proxy was given;
        # without trusted proxies X-Forwarded-For is anyone's to write, and ignored
        proxied = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=0)
        app.wsgi_app = proxied  # type: ignore[method-assign]
    return app

