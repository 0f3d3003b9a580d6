"""The compiled renderer (api/rendering.py) answers exactly as marshmallow's `Schema.dump`,
for every response schema, on generated rows."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from marshmallow import Schema, fields

from api import responses
from api.rendering import compile_schema, render
from api.responses.base import Columns

SCHEMAS = sorted({value for name in responses.__all__
                  if isinstance(value := getattr(responses, name), type)
                  and issubclass(value, Schema) and value is not Schema},
                 key=lambda s: s.__name__)


def value_for(field: fields.Field, rnd: random.Random) -> Any:
    if field.allow_none and rnd.random() < 0.25:
        return None
    if isinstance(field, fields.List):
        return [value_for(field.inner, rnd) for _ in range(rnd.randint(0, 3))]
    if isinstance(field, fields.Nested):
        if field.many:
            return [row_for(field.schema, rnd) for _ in range(rnd.randint(0, 3))]
        return row_for(field.schema, rnd)
    if isinstance(field, fields.UUID):
        return uuid.UUID(int=rnd.getrandbits(128))
    if isinstance(field, fields.DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=rnd.getrandbits(40))
    if isinstance(field, fields.Integer):
        return rnd.randint(-5, 10_000)
    if isinstance(field, fields.Boolean):
        return rnd.random() < 0.5
    if isinstance(field, fields.Dict):
        inner = field.value_field
        return {f"k{i}": value_for(inner, rnd) if inner is not None else rnd.randint(0, 9)
                for i in range(rnd.randint(0, 3))}
    if isinstance(field, fields.String):
        return rnd.choice(["", "Ann", "Zoë ✓", "line\nbreak", "x" * 30])
    return rnd.choice([None, 1, "a", [1, "b"], {"c": 2}])


def row_for(schema: Schema, rnd: random.Random) -> dict[str, Any]:
    """A row as a query returns it: each field's column, a Columns group's columns flat."""
    row: dict[str, Any] = {}
    for name, field in schema.dump_fields.items():
        if isinstance(field, Columns):
            row.update(row_for(field.schema, rnd))
            if field.null_unless and rnd.random() < 0.3:
                row[field.null_unless] = None
        elif not isinstance(field, fields.Function):
            row[field.attribute or name] = value_for(field, rnd)
    for name in ("deletion_requested_at", "anonymized_at", "posting_id"):
        row.setdefault(name, None)
    for name in ("rows_imported", "rows_duplicate", "rows_failed"):
        row.setdefault(name, rnd.randint(0, 100))
    return row


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_the_compiled_renderer_answers_as_the_schema_does(schema: type[Schema]) -> None:
    rnd = random.Random(schema.__name__)
    plain, compiled = schema(), compile_schema(schema())
    for _ in range(60):
        row = row_for(plain, rnd)
        assert compiled(row) == plain.dump(row)
    assert render(schema, row) == plain.dump(row)


def test_every_response_schema_is_covered() -> None:
    assert {s.__name__ for s in SCHEMAS} >= {"CandidateProfile", "Opportunity", "Posting",
                                             "Rule", "Campaign", "ImportStatus", "PoolMember"}
