"""How every Rekindle process starts: the interpreter tuned for its load, logging set up."""

from __future__ import annotations

import gc
import sys

from api import logs
from domain.settings import Settings

GC_THRESHOLDS = (20_000, 10, 10)
SWITCH_INTERVAL_S = 0.001


def tune_interpreter() -> None:
    """Every process decodes, projects or serves many short-lived objects, almost all freed
    by reference counting, so the cyclic collector runs far less often, and the objects left
    from start-up are frozen out of its scans. Threads back from PostgreSQL queue to take
    the GIL from a thread that is decoding; a shorter switch interval shortens that queue.
    (README, "Performance", has the measurements.)"""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def prepare(settings: Settings, log_level: str | None = None) -> None:
    tune_interpreter()
    logs.configure((log_level or settings.log_level).upper(), settings.log_format)
