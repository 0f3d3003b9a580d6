"""Every projection Rekindle maintains, by name (used by the runner, rebuild and status)."""

from __future__ import annotations

from typing import Any


def projections() -> list[Any]:
    """Imported lazily; each feature's projection lives in its own module."""
    found: list[Any] = []
    return found
