"""The thread every worker runs in: started once, asked to stop, joined at shutdown."""

from __future__ import annotations

import threading
from typing import Self


class Background:
    """Runs `_run` in a daemon thread; `_run` returns soon after `stopping` is set."""

    def __init__(self, thread_name: str) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)

    def _run(self) -> None:
        raise NotImplementedError
