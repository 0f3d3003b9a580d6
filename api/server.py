"""`rekindle serve`: the runtime plus the WSGI app behind waitress, stopped cleanly on signals."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from waitress import create_server

from api.app import create_app
from api.bootstrap import Runtime
from domain.settings import Settings

log = logging.getLogger(__name__)


def listener(app: Any, host: str, port: int, threads: int, max_body: int) -> Any:
    """Waitress as `rekindle serve` runs it (the bench's empty route is served the same way)."""
    return create_server(app, host=host, port=port, threads=threads, ident="rekindle",
                         channel_timeout=60, max_request_body_size=max_body + 65536)


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, threads: int = 24) -> None:
    """Serves until SIGTERM or SIGINT, then closes the listener and stops the runtime."""
    if settings.public_url is None and port:  # links in mails lead here unless told otherwise
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        shown = f"[{shown}]" if ":" in shown else shown
        settings = settings.replace(public_url=f"http://{shown}:{port}")
    runtime = Runtime(settings).start()
    server: Any = None
    try:
        server = listener(create_app(runtime), host, port, threads,
                          max_body=max(settings.max_file_bytes, settings.max_import_bytes))
        stopping = threading.Event()

        def stop(signum: int, _frame: Any) -> None:
            if not stopping.is_set():
                stopping.set()
                log.info("signal %s: stopping", signum)
                raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("serving on http://%s:%s", host, server.effective_port)
        server.run()
    finally:
        if server is not None:
            server.close()
        runtime.stop()
        log.info("stopped")
