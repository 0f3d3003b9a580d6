"""The routes' Blueprint: flask-smorest's, with each argument schema built once per route."""

from __future__ import annotations

from typing import Any

import flask_smorest
from marshmallow import Schema


class Blueprint(flask_smorest.Blueprint):
    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any) -> Any:
        """webargs builds a schema given as a class again on every request (deep copies of
        every field, a visible share of a command's CPU); an instance is built here, once.
        Loading is safe from many threads: a schema keeps no state between loads."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
