"""Which transport the configuration gives the mailer."""

from __future__ import annotations

from pathlib import Path

from consumers.mail.outbox import OutboxTransport
from consumers.mail.sending import transport_for
from consumers.mail.transport import SmtpTransport
from domain.settings import Settings


def test_no_smtp_url_writes_to_the_outbox_of_the_data_dir(tmp_path: Path) -> None:
    transport = transport_for(Settings(data_dir=tmp_path))
    assert isinstance(transport, OutboxTransport) and transport.folder == tmp_path / "outbox"


def test_each_smtp_url_gives_its_security_and_credentials() -> None:
    cases = {"smtp://mail.example.com:2525": ("plain", 2525, None, None),
             "smtp+starttls://u%40x.org:p%3Ass@mail.example.com:587": ("starttls", 587,
                                                                        "u@x.org", "p:ss"),
             "smtps://u:p@mail.example.com:465": ("tls", 465, "u", "p")}
    for url, (security, port, user, password) in cases.items():
        transport = transport_for(Settings(smtp_url=url))
        assert isinstance(transport, SmtpTransport)
        assert (transport.security, transport.port, transport.username,
                transport.password) == (security, port, user, password)
        assert "p:ss" not in repr(transport) and transport.host == "mail.example.com"
