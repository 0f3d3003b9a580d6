"""What every command returns, how a command that lost a race is run again, and how a
command refuses to write on a version of its resource the caller no longer holds."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.errors import PreconditionFailed, VersionConflict

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


def ensure_version(aggregate: Any, expected: int | None) -> None:
    """Refuses the command when `expected` (the version the caller read: If-Match) is not
    the aggregate's version any more; None checks nothing.

    Called right after the command loads the aggregate, before anything is changed. When the
    command records that aggregate, the check holds until the commit: a concurrent write
    makes the store refuse this one (a stale load), and `command` runs it again, which then
    finds the new version here and refuses it, recording nothing.
    """
    if expected is not None and aggregate.version != expected:
        kind = type(aggregate).__name__.lower()
        raise PreconditionFailed(f"the {kind} changed since version {expected}; read it again",
                                 {"expected_version": expected})


def now() -> datetime:
    return datetime.now(UTC)
