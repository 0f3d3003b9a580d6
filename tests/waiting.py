"""Waiting for what workers, runners and other processes will make true, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition",
               detail: Callable[[], object] = lambda: "", interval: float = 0.05) -> Any:
    """The first truthy result of `check`; AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} {detail()}".rstrip())
        time.sleep(interval)
