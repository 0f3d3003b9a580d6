"""Argument checks shared by the commands: each failure names its field (ValidationFailed).

Nothing is coerced: a value of the wrong type is refused. Strings holding a control
character, a NUL or a lone UTF-16 surrogate are refused too: no event may hold text that a
view, a JSON encoder or PostgreSQL cannot store. Lists are bounded before their items are
looked at, and every check is linear in the size of its input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from domain.errors import ValidationFailed

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
EMAIL = re.compile(r'^[^@\s<>"]{1,64}@' + _LABEL + r"(?:\." + _LABEL + r")+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_IDS = 1000


def text(field: str, value: Any, *, max_len: int = 200, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.field(field, "is required")
        return None
    if not isinstance(value, str):
        raise ValidationFailed.field(field, "must be a string")
    value = value.strip()
    if len(value) > max_len:
        raise ValidationFailed.field(field, f"must be at most {max_len} characters")
    if CONTROL.search(value):
        raise ValidationFailed.field(field, "must not contain control characters")
    if SURROGATE.search(value):
        raise ValidationFailed.field(field, "must not contain lone UTF-16 surrogates")
    return value


def texts(field: str, values: Iterable[Any] | None, *, max_len: int = 100,
          max_items: int = 100) -> list[str]:
    """A list of short strings, stripped, without duplicates, in first-seen order."""
    if values is None:
        return []
    if not isinstance(values, list | tuple):
        raise ValidationFailed.field(field, "must be a list of strings")
    if len(values) > max_items:
        raise ValidationFailed.field(field, f"must have at most {max_items} items")
    out: dict[str, None] = {}
    for item in values:
        out[text(field, item, max_len=max_len)] = None  # type: ignore[index]
    return list(out)


def email(field: str, value: Any) -> str:
    cleaned = text(field, value, max_len=254)
    if not EMAIL.match(cleaned):
        raise ValidationFailed.field(field, "is not a valid email address")
    return cleaned


def emails(field: str, values: Iterable[Any] | None, *, required: bool = False) -> list[str]:
    out = [email(field, v) for v in texts(field, values, max_len=254, max_items=20)]
    seen: set[str] = set()
    unique = [e for e in out if not (e.lower() in seen or seen.add(e.lower()))]
    if required and not unique:
        raise ValidationFailed.field(field, "needs at least one email address")
    return unique


def one_of(field: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValidationFailed.field(field, f"must be one of: {', '.join(allowed)}")
    return value


def uuid(field: str, value: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str):
        raise ValidationFailed.field(field, "must be a UUID")
    try:
        return UUID(value)
    except ValueError:
        raise ValidationFailed.field(field, "must be a UUID") from None


def uuids(field: str, values: Any, *, max_items: int = MAX_IDS) -> list[UUID]:
    """A non-empty list of ids, without repeats, in first-seen order."""
    if not isinstance(values, list | tuple) or not values:
        raise ValidationFailed.field(field, "give at least one id")
    if len(values) > max_items:
        raise ValidationFailed.field(field, f"give at most {max_items} ids")
    return list(dict.fromkeys(uuid(field, value) for value in values))


def flag(field: str, value: Any) -> bool:
    """A boolean, and nothing that merely looks like one ("yes", 1)."""
    if not isinstance(value, bool):
        raise ValidationFailed.field(field, "must be true or false")
    return value
