"""Speeds up rendering an answer through its response schema (api/responses/).

`Schema.dump` looks every field up and dispatches through several methods per value on each
call, and every answer of the API goes through it (a created resource on every 201).
`render` compiles each schema once into a plain function from the schema's own fields, so
the schema stays the one description of the shape (README, "Performance", has the figures);
tests/api/test_rendering.py checks on generated rows that both give the same answer for
every response schema.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, fields

from api.responses.base import Columns

Render = Callable[[Mapping[str, Any]], dict[str, Any]]
_compiled: dict[type[Schema], Render] = {}
_lock = threading.Lock()


def render(schema: type[Schema], row: Mapping[str, Any]) -> dict[str, Any]:
    """The answer `schema` describes, made from a query's row."""
    compiled = _compiled.get(schema)
    if compiled is None:
        with _lock:
            compiled = _compiled.setdefault(schema, compile_schema(schema()))
    return compiled(row)


def render_page(schema: type[Schema], found: Mapping[str, Any]) -> dict[str, Any]:
    """`{items, next_cursor}`, each item rendered by `schema`."""
    compiled = _compiled.get(schema) or _compiled.setdefault(schema, compile_schema(schema()))
    return {"items": [compiled(row) for row in found["items"]],
            "next_cursor": found["next_cursor"]}


def compile_schema(schema: Schema) -> Render:
    parts = [_part(name, field) for name, field in schema.dump_fields.items()]

    def rendered(row: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, get, convert in parts:
            value = get(row)
            if value is not _ABSENT:
                out[key] = convert(value)
        return out

    return rendered


_ABSENT = object()


def _part(name: str, field: fields.Field) -> tuple[str, Callable[[Any], Any],
                                                   Callable[[Any], Any]]:
    key = field.data_key or name
    if isinstance(field, fields.Function):
        return key, field.serialize_func, _same  # type: ignore[attr-defined]
    if isinstance(field, Columns):
        column = field.null_unless
        sub = compile_schema(field.schema)
        return key, (lambda row: None if column and row.get(column) is None else row), \
            (lambda value: None if value is None else sub(value))
    attribute = field.attribute or name
    return key, (lambda row: row.get(attribute, _ABSENT)), _converter(field)


def _converter(field: fields.Field) -> Callable[[Any], Any]:
    if isinstance(field, fields.List):
        inner = _converter(field.inner)
        return lambda value: None if value is None else [inner(v) for v in value]
    if isinstance(field, fields.Nested):
        sub = compile_schema(field.schema)
        if field.many:
            return lambda value: None if value is None else [sub(v) for v in value]
        return lambda value: None if value is None else sub(value)
    if isinstance(field, fields.UUID):
        return lambda value: None if value is None else str(value)
    if isinstance(field, fields.DateTime):
        to_text = field.SERIALIZATION_FUNCS[field.format or field.DEFAULT_FORMAT]
        return lambda value: None if value is None else to_text(value)
    if isinstance(field, fields.String):
        return lambda value: value if value is None or type(value) is str else str(value)
    if isinstance(field, fields.Integer):
        return lambda value: None if value is None else int(value)
    if isinstance(field, fields.Boolean | fields.Raw) and type(field) in (fields.Boolean,
                                                                       fields.Raw):
        return _same
    return lambda value: field._serialize(value, None, None)


def _same(value: Any) -> Any:
    return value
