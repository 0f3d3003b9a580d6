"""The request fields of the input boundary: strict, bounded, and linear in the input.

Nothing is coerced: a JSON boolean is `true` or `false` (not "yes", not 1), a number is a
number (not "7", not 7.0 for a whole number), a string is a string. Strings holding a NUL
or a lone UTF-16 surrogate are refused; a JSON body is checked for them once, whole, before
any schema runs (api/app.py), and these fields check strings from query strings and forms.
Lists are refused by their length before any item is looked at. The domain checks the exact
limits of each value; these bounds are the outer fence that keeps every refusal cheap.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate

MAX_TEXT = 100_000
"""The longest string any field accepts (a campaign's body); most are far shorter."""
MAX_ITEMS = 1000
"""The longest list any field accepts (ids named in one command)."""
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> None:
    if UNSTORABLE.search(value):
        raise ValidationError("must not contain a NUL character or a lone UTF-16 surrogate")


def unstorable_path(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) in a parsed JSON value that holds a NUL or a
    lone surrogate, else None. One pass, without recursion (depth is checked elsewhere)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return where or "_schema"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                if UNSTORABLE.search(key):
                    return where or "_schema"
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{where}.{i}" if where else str(i))
                         for i, child in enumerate(item))
    return None


class Text(fields.String):
    """A string of at most `max_length` characters that can be stored as it is."""

    def __init__(self, *, max_length: int = MAX_TEXT, **kwargs: Any) -> None:
        extra = kwargs.pop("validate", None)
        checks: list[Any] = [validate.Length(max=max_length), storable]
        if extra is not None:
            checks.extend(extra if isinstance(extra, list | tuple) else [extra])
        super().__init__(validate=checks, **kwargs)


class Flag(fields.Boolean):
    """A JSON boolean, and nothing else."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class FormFlag(fields.Boolean):
    """A boolean in a form or a query string: exactly `true` or `false`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value not in ("true", "false"):
            raise ValidationError('must be "true" or "false"')
        return value == "true"


class Whole(fields.Integer):
    """A JSON whole number, not a string, a boolean or a number with a fraction part."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Items(fields.List):
    """A list of at most `max_items`, refused by its length before its items are read."""

    def __init__(self, item: fields.Field, *, max_items: int = MAX_ITEMS,
                 **kwargs: Any) -> None:
        super().__init__(item, **kwargs)
        self.max_items = max_items

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, list) and len(value) > self.max_items:
            raise ValidationError(f"must have at most {self.max_items} items")
        return super()._deserialize(value, attr, data, **kwargs)


class Id(fields.UUID):
    """A UUID, written as a JSON string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid_uuid")
        return super()._deserialize(value, attr, data, **kwargs)


class Object(fields.Dict):
    """A JSON object of at most `max_keys` keys (its contents are checked by the domain)."""

    def __init__(self, *, max_keys: int = 50, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_keys = max_keys

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, dict) and len(value) > self.max_keys:
            raise ValidationError(f"must have at most {self.max_keys} keys")
        return super()._deserialize(value, attr, data, **kwargs)
