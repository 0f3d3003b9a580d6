"""The WSGI entry point for servers other than `rekindle serve`: `gunicorn api.wsgi:app`.

A pre-forking server imports this module once and forks its workers from that process: a
pool, a connection or a thread opened at import would be shared by every worker. So
nothing starts here; each worker process starts its own runtime on its first request,
once, however many threads ask at the same time, and stops it when the worker exits.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from api.app import create_app
from api.bootstrap import Runtime
from api.process import prepare
from domain.settings import Settings

log = logging.getLogger(__name__)


class LazyApp:
    """A WSGI app that builds the real one in the process that first calls it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._app: Any = None
        self._pid: int | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if self._pid != os.getpid():  # not yet started in this process
            self._start()
        return self._app(environ, start_response)

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            settings = Settings.from_env()
            prepare(settings)
            runtime = Runtime(settings)
            try:
                runtime.start()
                self._app = create_app(runtime)
            except BaseException:
                runtime.stop()
                raise
            atexit.register(runtime.stop)
            self._pid = os.getpid()
            log.info("runtime started in process %s", self._pid)


app = LazyApp()
