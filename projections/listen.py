"""Waiting for PostgreSQL's NOTIFY on a channel: one home for every LISTEN loop.

The event store NOTIFYs its channel on every insert (followers of the log wake on it), and
each committed projection batch NOTIFYs `<view>:<position>` (read-your-writes waiters wake
on it). A listener keeps one session of its own, LISTENs on the first wait, and after
losing the session (the server restarted, a network blip) listens again on the next one;
meanwhile a wait just times out, so callers fall back to looking for themselves.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import psycopg
from psycopg.sql import SQL, Identifier

CONNECT_TIMEOUT_S = 2


class Listener:
    """A LISTEN session on `channel`, (re)opened as needed; not shared between threads."""

    def __init__(self, conninfo: str, channel: str, *,
                 on_listen: Callable[[], None] | None = None) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.on_listen = on_listen
        self._conn: psycopg.Connection | None = None

    @property
    def listening(self) -> bool:
        return self._conn is not None

    def wait(self, timeout: float) -> bool:
        """True if a notification arrived within `timeout` seconds."""
        return next(self.payloads(timeout, stop_after=1), None) is not None

    def payloads(self, timeout: float, stop_after: int | None = None) -> Iterator[str]:
        """The payloads that arrive within `timeout` (at most `stop_after` of them). A lost
        session ends the iteration; the next call listens again."""
        try:
            conn = self._connect()
            for notify in conn.notifies(timeout=timeout, stop_after=stop_after):
                yield notify.payload
        except psycopg.Error:
            self.close()
            time.sleep(min(timeout, 0.5))  # a server that is down is not asked again at once

    def _connect(self) -> psycopg.Connection:
        if self._conn is None:
            conn = psycopg.connect(self.conninfo, autocommit=True,
                                   connect_timeout=CONNECT_TIMEOUT_S)
            try:
                conn.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
                if self.on_listen is not None:
                    self.on_listen()  # whatever was committed before LISTEN is seen here
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
