"""A failed check of the settings, as one line per variable an operator can act on: the
variable, what it allows, what was given (never a secret's value), and why where that helps."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import NoneType
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt
from pydantic import ValidationError
from pydantic.fields import FieldInfo

CONFLICT = "settings_conflict"
"""The error type of a value that does not fit another setting; its message says why."""
_NOUNS: dict[Any, str] = {int: "an integer", float: "a number", Path: "a path", str: "text"}


def field_extra(field: FieldInfo) -> dict[str, Any]:
    return field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}


def allowed(field: FieldInfo) -> str:
    """What a value of `field` must be, from its type and bounds unless it says so itself."""
    if field_extra(field).get("allowed"):
        return str(field_extra(field)["allowed"])
    kind = field.annotation
    if get_origin(kind) is not Literal:
        kind = next((arg for arg in get_args(kind) if arg is not NoneType), kind)
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(str(choice) for choice in get_args(kind))
    noun = _NOUNS.get(kind, "a value")
    for bound in field.metadata:
        if isinstance(bound, Ge):
            return f"{noun} >= {bound.ge}"
        if isinstance(bound, Gt):
            return f"{noun} > {bound.gt}"
    return noun


def describe(error: ValidationError, given: Mapping[str, Any],
             fields: Mapping[str, FieldInfo]) -> list[str]:
    """`given`: the keyword arguments (attribute or variable names) the check refused."""
    by_key = {key: field for name, field in fields.items()
              for key in (name, str(field.validation_alias))}
    lines: list[str] = []
    done: set[str] = set()
    for detail in error.errors():
        cause = str(detail.get("ctx", {}).get("error", "")) if detail["type"] == "value_error" \
            else ""
        if not detail["loc"]:  # a check of the whole: its message names the variables
            lines.append(cause or detail["msg"])
            continue
        key = str(detail["loc"][0])
        field = by_key.get(key)
        if field is None:
            lines.append(f"{key}: no such setting")
            continue
        name = str(field.validation_alias)
        if name in done:  # one line per variable, whatever its items did
            continue
        done.add(name)
        if detail["type"] == CONFLICT:
            lines.append(f"{name}: {detail['msg']}")
            continue
        line = f"{name}: expected {allowed(field)}"
        if not (field_extra(field).get("secret") or field_extra(field).get("quiet")):
            line += f", got {given.get(key, detail.get('input'))!r}"
        lines.append(line + (f" ({cause})" if cause else ""))
    return lines
