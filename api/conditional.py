"""Conditional requests: a resource's GET answers `ETag: "<version>"` (its aggregate's
version), and a write sent with `If-Match` is made only on that version.

The check itself is the domain's (`expected_version` of a command: atomic with the write);
this module only turns the headers into versions and back, and marks the routes that take
them so the OpenAPI document says so (api/openapi.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, request

F = TypeVar("F", bound=Callable[..., Any])

IF_MATCH = "If-Match"
ETAG = "ETag"
NO_VERSION = 0
"""Stands for an If-Match that names none of our versions (a weak or foreign tag, a list):
no aggregate has version 0, so the domain refuses it, after its access checks, like any
version that no longer holds."""
_ONE_TAG = re.compile(r'"(\d{1,18})"')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(header: str | None) -> int | None:
    """The version an If-Match header names; None without one, or for `*` (any version)."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return None
    found = _ONE_TAG.fullmatch(value)
    return int(found.group(1)) if found else NO_VERSION


def tag(response: Response, row: Any) -> Response:
    """Adds the ETag of a rendered resource whose read row holds its version."""
    version = row.get("version") if isinstance(row, dict) else None
    if isinstance(version, int):
        response.headers[ETAG] = etag(version)
    return response


def conditional(view: F) -> F:
    """Passes the If-Match version to the route as `expected_version` (put it right above
    the function: below `requires`, so a caller without a token still gets a 401)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, expected_version=expected_version(request.headers.get(IF_MATCH)),
                    **kwargs)

    wrapper._rekindle_conditional = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
