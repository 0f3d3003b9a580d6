"""Every blueprint the API serves; each feature's routes live in their own module here."""

from __future__ import annotations

from typing import Any


def blueprints() -> list[Any]:
    """Imported lazily so each module can import the app's shared helpers."""
    found: list[Any] = []
    return found
