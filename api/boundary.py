"""What a request must look like before its route runs, from what the route declares (the
same declarations the OpenAPI document is made of, api/openapi.py):

- only the query parameters the route documents: any other is refused with 422
  `validation_error` naming it (a misspelt filter must not quietly list everyone);
- a body of the media type the route takes: any other is 415 `unsupported_media_type`.

On a route that takes a token both are checked once the caller is authenticated
(`requires` calls `check_request`), so a caller without a valid token still gets 401; on a
public route, before it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from flask import current_app, request

from api.errors import ApiError

BODY_LOCATIONS = {"json": "application/json", "form": "multipart/form-data",
                  "files": "multipart/form-data"}
_KEY = "rekindle.declared"
_lock = threading.Lock()


def media_types(doc_info: Mapping[str, Any]) -> set[str]:
    """The body media types an operation takes, from its arguments or its documented body."""
    found = {BODY_LOCATIONS[p["in"]] for p in _arguments(doc_info) if p["in"] in BODY_LOCATIONS}
    manual = (doc_info.get("manual_doc") or {}).get("requestBody") or {}
    return found | set(manual.get("content") or {})


def query_names(doc_info: Mapping[str, Any]) -> set[str]:
    """The query parameters an operation documents (its only accepted ones)."""
    names: set[str] = set()
    for parameter in _arguments(doc_info):
        if parameter["in"] == "query":
            schema = parameter["schema"]
            names |= {f.data_key or name for name, f in schema.fields.items()
                      if not f.dump_only}
    return names


def _arguments(doc_info: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    parameters = (doc_info.get("arguments") or {}).get("parameters") or []
    return [p for p in parameters if isinstance(p, Mapping)]


def declared(endpoint: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(query parameter names, body media types) the endpoint's route documents; None for
    a route outside the OpenAPI document (static files, the document itself) and for the
    pages of personal links (a Blueprint with `pages`), which these checks leave alone."""
    cache: dict[str, tuple[frozenset[str], frozenset[str]] | None] = \
        current_app.extensions.setdefault(_KEY, {})
    if endpoint in cache:
        return cache[endpoint]
    from api.blueprint import Blueprint

    found = None
    blueprint = current_app.blueprints.get(endpoint.rpartition(".")[0])
    if isinstance(blueprint, Blueprint) and not blueprint.pages:
        view: Any = current_app.view_functions.get(endpoint)
        doc = getattr(view, "_apidoc", None) or {}
        found = (frozenset(query_names(doc)), frozenset(media_types(doc)))
    with _lock:
        cache[endpoint] = found
    return found


def check_request() -> None:
    """Both checks (below): for a route that takes a token, `requires` calls this."""
    check_query()
    check_media_type()


def check_public_request() -> None:
    """Both checks for a public route (no `requires`), before it runs."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "_rekindle_roles", None) is None:
        check_request()


def check_query() -> None:
    """422 for query parameters the route does not document."""
    if request.endpoint is None or not request.args:
        return
    found = declared(request.endpoint)
    if found is None:
        return
    unknown = sorted(set(request.args) - found[0])
    if unknown:
        raise ApiError("validation_error", "unknown query parameters: " + ", ".join(unknown),
                       {name: ["unknown query parameter"] for name in unknown})


def has_body() -> bool:
    return (request.content_length or 0) > 0 or \
        request.headers.get("Transfer-Encoding", "").lower() == "chunked"


def check_media_type() -> None:
    """415 for a body that is not of a media type the route takes (routes that take no body
    ignore one, as before)."""
    if request.endpoint is None or not has_body():
        return
    found = declared(request.endpoint)
    if found is None or not found[1]:
        return
    media = found[1]
    if request.is_json and "application/json" in media:
        return
    if request.mimetype in media:
        return
    taken = " or ".join(sorted(media))
    raise ApiError("unsupported_media_type",
                   f"the body must be {taken}, not {request.mimetype or 'unlabelled'}",
                   {"Content-Type": [f"must be {taken}"]})
