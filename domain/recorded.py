"""What every command returns, and how a command that lost a race is run again."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.errors import VersionConflict

P = ParamSpec("P")
T = TypeVar("T")
MAX_CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class Recorded:
    """A command's outcome: the aggregate it concerned, the position of its last event (None
    when it recorded nothing), and facts the caller may render."""

    id: UUID
    position: int | None
    extra: dict[str, Any] = field(default_factory=dict)


def command(method: Callable[P, T]) -> Callable[P, T]:
    """Re-runs a command that lost a race (it re-reads and re-checks); after that, 409."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(MAX_CONFLICT_RETRIES):
            try:
                return method(*args, **kwargs)
            except IntegrityError:
                continue
        raise VersionConflict("the record changed while this command ran; try again")

    return wrapper


def now() -> datetime:
    return datetime.now(UTC)
