"""Queries over the read models (schema `read`). The API's GET routes call only these.

CONTRACT (shared by the projections and API work): every function takes a psycopg
ConnectionPool first and returns plain JSON-able dicts shaped as API.md shows them
(ids as str, timestamps as ISO 8601 strings with timezone). `viewer` is an Actor; for a
`limited_team_member` results are restricted to what their hiring teams cover.
Functions return None (single item) when the id is unknown or not visible.
"""

from __future__ import annotations
