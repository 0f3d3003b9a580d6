"""What a worker needs of the process it runs in (api/bootstrap.py's Runtime provides it)."""

from __future__ import annotations

from typing import Protocol

from domain.service import Rekindle
from domain.settings import Settings
from projections.database import Database


class Context(Protocol):
    """The command service (and its store), the database, and the settings."""

    rekindle: Rekindle
    database: Database
    settings: Settings
