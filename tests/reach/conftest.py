"""A whole service reaching people: a Runtime with its in-process workers (the mailer among
them) on a fresh database, the HTTP app over it, and a real SMTP server (aiosmtpd) it mails.

`reach.mails(n)` waits for the n-th message the SMTP server accepted; `reach.link(message)`
is the personal link in it, as the path the test client opens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import pytest

from api.app import create_app
from api.bootstrap import Runtime
from domain.mail import Mail
from domain.settings import Settings
from tests.api.conftest import BOOTSTRAP_TOKEN, Api
from tests.smtp_fixture import SmtpServer
from tests.waiting import wait_until

PUBLIC_URL = "https://talent.example.com"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/[a-z-]+/[A-Za-z0-9_.\-]+")


class Reach:
    def __init__(self, runtime: Runtime, app: Any, smtp: SmtpServer | None) -> None:
        self.runtime = runtime
        self.app = app
        self.smtp = smtp
        self.api = Api(app.test_client(), BOOTSTRAP_TOKEN, runtime)
        self.public = Api(app.test_client(), None, runtime)

    def mails(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """The first `count` messages, once the mailer has also recorded them sent (the
        server may accept a message a moment before its Mail says so)."""
        assert self.smtp is not None
        messages = [r.message for r in self.smtp.wait_for(count, timeout)]
        for message in messages:
            mail = UUID(message["Message-ID"].strip("<>").partition("@")[0])
            wait_until(lambda mail=mail: self.runtime.rekindle.store.load(Mail, mail).status
                       != "queued", timeout, what=f"mail {mail} recorded as tried")
        return messages

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(("plain",))
        assert part is not None
        return part.get_content()

    def links(self, message: EmailMessage) -> list[str]:
        return [urlsplit(url).path for url in LINK.findall(self.text(message))]

    def link(self, message: EmailMessage) -> str:
        [found] = self.links(message)
        return found

    def head(self) -> int:
        return self.runtime.rekindle.store.head()


@pytest.fixture
def make_reach(settings: Settings, smtp_server: SmtpServer) -> Iterator[Callable[..., Reach]]:
    started: list[Runtime] = []

    def start(*, smtp: SmtpServer | None = smtp_server, **overrides: Any) -> Reach:
        values: dict[str, Any] = {"public_url": PUBLIC_URL, "bootstrap_token": BOOTSTRAP_TOKEN,
                                  "mail_retry_s": 0.2, "scheduler_interval_s": 0.2,
                                  **overrides}
        if smtp is not None:
            values["smtp_url"] = smtp.url()
        runtime = Runtime(settings.replace(**values)).start()
        started.append(runtime)
        app = create_app(runtime)
        app.testing = True
        return Reach(runtime, app, smtp)

    yield start
    for runtime in reversed(started):
        runtime.stop()


@pytest.fixture
def reach(make_reach: Callable[..., Reach]) -> Reach:
    return make_reach()
