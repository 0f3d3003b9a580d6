"""The mailer scaled out as deployed: `rekindle worker relay` and two `rekindle worker mailer`
processes in the consumer group `rekindle.mailer`, on a real Kafka-protocol broker, mailing
a real SMTP server.

Two members never send the same mail (a mail is taken under a lease); when one is SIGKILLed
mid-load, every mail still goes out, and a mail sent again (one the killed member had handed
to the server but not yet recorded) carries the same Message-ID, which mail programs
deduplicate by.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from api.bench.fleet import Fleet, WorkerProcess
from consumers.mail.sending import ROUND
from domain.actor import Actor
from domain.mail import Mail
from domain.service import Rekindle
from domain.settings import Settings
from tests.kafka_fixture import TansuBroker
from tests.smtp_fixture import SmtpServer
from tests.waiting import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
REQUESTS = 120


class Mailers:
    def __init__(self, settings: Settings, smtp: SmtpServer, folder: Path) -> None:
        env = {"REKINDLE_SMTP_URL": smtp.url(), "REKINDLE_MAIL_RETRY_S": "1",
               "REKINDLE_MAIL_LEASE_S": "30",  # the least: what the killed member held
               "REKINDLE_PUBLIC_URL": "https://talent.example.com"}
        self.relay = WorkerProcess(settings, "relay", folder / "relay.log")
        self.fleet = Fleet(settings, "mailer", 2, folder, env)

    def start(self) -> Mailers:
        self.relay.start()
        self.fleet.start()
        self.fleet.wait_stable()
        return self

    def stop(self) -> None:
        self.fleet.stop()
        self.relay.stop()


@pytest.fixture
def mailers(settings: Settings, kafka_broker: TansuBroker, smtp_server: SmtpServer,
            tmp_path: Path) -> Iterator[Mailers]:
    deployment = Mailers(settings.replace(kafka_bootstrap=kafka_broker.bootstrap),
                         smtp_server, tmp_path / "workers").start()
    yield deployment
    deployment.stop()


def request_consent(app: Rekindle, admin: Actor, numbers: range) -> list[UUID]:
    made = []
    for n in numbers:
        candidate = app.candidates.create(f"Reached {n}", [f"reached{n}@example.com"], admin)
        app.consent.request(candidate.id, admin)
        made.append(candidate.id)
    return made


def message_ids(smtp: SmtpServer) -> Counter[str]:
    with smtp.lock:
        return Counter(r.message["Message-ID"] for r in smtp.received)


def mail_of(message_id: str) -> UUID:
    return UUID(message_id.strip("<>").partition("@")[0])


def test_two_mailers_send_each_mail_once(mailers: Mailers, app: Rekindle, admin: Actor,
                                         smtp_server: SmtpServer) -> None:
    request_consent(app, admin, range(REQUESTS))
    wait_until(lambda: len(message_ids(smtp_server)) >= REQUESTS, 120, "every request mailed",
               lambda: (len(message_ids(smtp_server)), mailers.fleet.assigned()))
    time.sleep(2)  # what a second sender would add, had it taken the same mails
    sent = message_ids(smtp_server)
    assert len(sent) == REQUESTS and set(sent.values()) == {1}
    with smtp_server.lock:
        recipients = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert recipients == sorted(f"reached{n}@example.com" for n in range(REQUESTS))
    assert all(mailers.fleet.assigned()), "both members got partitions"
    assert {app.store.load(Mail, mail_of(m)).status for m in sent} == {"sent"}


def test_a_mailer_killed_mid_load_leaves_no_mail_unsent(mailers: Mailers, app: Rekindle,
                                                        admin: Actor,
                                                        smtp_server: SmtpServer) -> None:
    request_consent(app, admin, range(REQUESTS // 3))
    wait_until(lambda: len(message_ids(smtp_server)) >= REQUESTS // 6, 120, "mails going out")
    victim = mailers.fleet.members[0]
    victim.kill()
    request_consent(app, admin, range(REQUESTS // 3, REQUESTS))
    time.sleep(3)
    victim.start()
    wait_until(lambda: len(message_ids(smtp_server)) >= REQUESTS, 180, "every request mailed",
               lambda: (len(message_ids(smtp_server)), mailers.fleet.assigned()))
    sent = message_ids(smtp_server)
    assert len(sent) == REQUESTS
    # a repeat is only what the killed member had handed over unrecorded (at most the one
    # round it held leases for), under the same id
    assert sum(sent.values()) - REQUESTS <= ROUND, sent.most_common(3)
    wait_until(lambda: {app.store.load(Mail, mail_of(m)).status for m in sent} == {"sent"},
               60, "every mail recorded sent")
