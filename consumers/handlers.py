"""The handler interface every worker implements, whichever transport feeds it."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Protocol

from consumers.messages import Message

if TYPE_CHECKING:
    from consumers.context import Context


class Handler(Protocol):
    """Handles one integration message. Must be idempotent by `message.event_id`.

    A handler that records events passes `tracking=Tracking(self.tracking_name(partition),
    message.position)` to `Rekindle.record`, so its effect and its position commit together;
    an IntegrityError from that call means "already done" and is not an error.

    A handler may also offer `handle_together(messages, runtime, tracking_name)`: every
    message's effect and the last one's tracking in one transaction (consumers/delivery.py
    `deliver_together`), all or nothing.
    """

    name: str

    def wants(self, message: Message) -> bool: ...

    def handle(self, message: Message, runtime: Context, tracking_name: str) -> None: ...


def batch_scope(handler: Handler, runtime: Context) -> AbstractContextManager[Any]:
    """What a handler holds while it handles one batch read from the log (its optional
    `batch_scope(runtime)`, e.g. reading the automation rules once per batch)."""
    scope = getattr(handler, "batch_scope", None)
    return scope(runtime) if scope is not None else nullcontext()


def registered_handlers() -> list[Handler]:
    """Every handler the workers run (automation rules, ATS sync, notifications, ...).

    A handler may offer `companion(runtime)`: a worker (`.start()`, `.stop()`, `.join()`)
    that runs beside it in whichever process runs the handler (the mailer's sender)."""
    handlers: list[Handler] = []
    from consumers.gdpr import GdprHandler

    handlers.append(GdprHandler())
    from consumers.notifications import NotificationPublisher

    handlers.append(NotificationPublisher())
    from consumers.automation import AutomationHandler

    handlers.append(AutomationHandler())
    from consumers.ats import AtsSender; handlers.append(AtsSender())  # noqa: E702, I001
    from consumers.mailer import MailerHandler; handlers.append(MailerHandler())  # noqa: E702, I001
    return handlers
