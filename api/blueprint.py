"""The routes' Blueprint: flask-smorest's, with each argument schema built once per route,
and each route's declarations kept for the OpenAPI document (api/openapi.py)."""

from __future__ import annotations

from typing import Any

import flask_smorest
from marshmallow import Schema

from api import openapi


class Blueprint(flask_smorest.Blueprint):
    def __init__(self, *args: Any, pages: bool = False, **kwargs: Any) -> None:
        """`pages`: HTML pages that people open from a mail. They answer people with pages,
        errors included, so the API's checks of a request's shape (api/boundary.py) and its
        JSON error statuses are not theirs: a query parameter a mail program adds (tracking
        tags) is ignored, a body is read by the page itself."""
        super().__init__(*args, **kwargs)
        self.pages = pages
        self._prepare_doc_cbks.append(openapi.prepare_operation)

    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any) -> Any:
        """webargs builds a schema given as a class again on every request (deep copies of
        every field, a visible share of a command's CPU); an instance is built here, once.
        Loading is safe from many threads: a schema keeps no state between loads."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)

    def add_url_rule(self, rule: str, endpoint: str | None = None, view_func: Any = None,
                     provide_automatic_options: bool | None = None, **options: Any) -> None:
        """Registers the route, then notes what it declares beside its documentation."""
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)
        facts = openapi.facts_of(view_func, rule, page=self.pages)
        for method, doc in self._docs[self._endpoints[-1]].items():
            if method != "parameters":
                doc["rekindle"] = facts
