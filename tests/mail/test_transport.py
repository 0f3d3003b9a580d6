"""The SMTP transport against a real SMTP server in each of its modes."""

from __future__ import annotations

import socket
import time
import uuid
from email.message import EmailMessage
from urllib.parse import quote

import pytest

from consumers.mail.compose import compose
from consumers.mail.transport import (
    CANDIDATE_HEADER,
    PermanentMailError,
    SmtpTransport,
    TransientMailError,
    redact,
)

RECIPIENT = "zoe.candidate@example.org"
PASSWORD = "s3cret:p@ss/word"


def a_message(to: str = RECIPIENT) -> EmailMessage:
    return compose(kind="form_confirmation", to=to, subject="Confirm your details, Zoë ✓",
                   text="Plain body", html="<p>HTML body</p>", cause_id=uuid.uuid4(),
                   candidate_id=uuid.uuid4(), sender="Rekindle <no-reply@rekindle.test>")


def assert_discreet(error: Exception, *secrets: str) -> None:
    for secret in (RECIPIENT, PASSWORD, *secrets):
        assert secret not in str(error)
    assert error.__cause__ is None and error.__suppress_context__


def test_plain_smtp_delivers_the_message_as_composed(smtp_server) -> None:
    message = a_message()
    SmtpTransport.from_url(smtp_server.url(), timeout_s=5).send(message)

    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == [RECIPIENT]
    assert received.mail_from == "no-reply@rekindle.test"
    assert received.message["Message-ID"] == message["Message-ID"]
    assert received.message["Subject"] == "Confirm your details, Zoë ✓"
    assert received.message.get_body(("plain",)).get_content().strip() == "Plain body"
    assert received.message.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"
    # Our filing header stays home, and the caller's message is left as it was.
    assert received.message[CANDIDATE_HEADER] is None
    assert message[CANDIDATE_HEADER] is not None
    assert not received.tls and received.login is None


def test_plain_smtp_logs_in_with_url_decoded_credentials(smtp_auth_server) -> None:
    assert "%40" in smtp_auth_server.url()  # the @ of the password travels encoded
    SmtpTransport.from_url(smtp_auth_server.url(), timeout_s=5).send(a_message())

    [received] = smtp_auth_server.wait_for(1)
    assert received.login == "mailer"


def test_refused_credentials_are_permanent_and_never_repeated(smtp_auth_server) -> None:
    transport = SmtpTransport.from_url(smtp_auth_server.url("mailer", "wrong-" + PASSWORD),
                                       timeout_s=5)
    with pytest.raises(PermanentMailError) as caught:
        transport.send(a_message())

    assert caught.value.stage == "auth" and caught.value.code == 535
    assert_discreet(caught.value, "wrong-" + PASSWORD)
    assert "wrong-" not in repr(transport) and PASSWORD not in repr(transport)
    assert smtp_auth_server.received == []


def test_sending_without_logging_in_where_it_is_required_is_permanent(smtp_auth_server) -> None:
    transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{smtp_auth_server.port}", timeout_s=5)
    with pytest.raises(PermanentMailError) as caught:
        transport.send(a_message())
    assert caught.value.code == 530
    assert smtp_auth_server.received == []


def test_starttls_encrypts_and_logs_in(smtp_server_factory) -> None:
    server = smtp_server_factory(security="starttls", credentials=("mailer", PASSWORD))
    assert server.url().startswith("smtp+starttls://mailer:")
    SmtpTransport.from_url(server.url(), timeout_s=5,
                           ssl_context=server.client_context()).send(a_message())

    [received] = server.wait_for(1)
    assert received.tls and received.login == "mailer"


def test_starttls_verifies_the_certificate_by_default(smtp_starttls_server) -> None:
    with pytest.raises(TransientMailError) as caught:
        SmtpTransport.from_url(smtp_starttls_server.url(), timeout_s=5).send(a_message())
    assert caught.value.stage == "starttls"
    assert "certificate" in str(caught.value)
    assert smtp_starttls_server.received == []


def test_a_server_without_starttls_gets_nothing_in_the_clear(smtp_server) -> None:
    url = f"smtp+starttls://mailer:{quote(PASSWORD, safe='')}@127.0.0.1:{smtp_server.port}"
    with pytest.raises(TransientMailError) as caught:
        SmtpTransport.from_url(url, timeout_s=5).send(a_message())
    assert caught.value.stage == "starttls"
    assert_discreet(caught.value)
    assert smtp_server.received == []


def test_implicit_tls(smtp_tls_server) -> None:
    SmtpTransport.from_url(smtp_tls_server.url(), timeout_s=5,
                           ssl_context=smtp_tls_server.client_context()).send(a_message())
    [received] = smtp_tls_server.wait_for(1)
    assert received.tls


def test_implicit_tls_with_login(smtp_server_factory) -> None:
    server = smtp_server_factory(security="tls", credentials=("mailer", PASSWORD))
    assert server.url().startswith("smtps://")
    SmtpTransport.from_url(server.url(), timeout_s=5,
                           ssl_context=server.client_context()).send(a_message())
    assert server.wait_for(1)[0].login == "mailer"


def test_implicit_tls_refuses_an_untrusted_certificate(smtp_tls_server) -> None:
    with pytest.raises(TransientMailError):
        SmtpTransport.from_url(smtp_tls_server.url(), timeout_s=5).send(a_message())
    assert smtp_tls_server.received == []


def test_an_unknown_recipient_is_permanent_and_its_address_is_kept_out(smtp_server) -> None:
    smtp_server.refuse(RECIPIENT)  # the reply quotes the address, as real servers do
    with pytest.raises(PermanentMailError) as caught:
        SmtpTransport.from_url(smtp_server.url(), timeout_s=5).send(a_message())

    assert caught.value.code == 550 and caught.value.stage == "rcpt"
    assert "User unknown" in str(caught.value)
    assert_discreet(caught.value)
    assert smtp_server.received == []


def test_a_recipient_refused_for_now_is_transient(smtp_server) -> None:
    smtp_server.refuse(RECIPIENT, "450 4.2.1 <{address}>: mailbox busy, try later")
    with pytest.raises(TransientMailError) as caught:
        SmtpTransport.from_url(smtp_server.url(), timeout_s=5).send(a_message())
    assert caught.value.code == 450
    assert_discreet(caught.value)


def test_a_stopped_server_is_transient_and_a_restarted_one_takes_the_message(
        smtp_server) -> None:
    transport = SmtpTransport.from_url(smtp_server.url(), timeout_s=5)
    smtp_server.stop()
    with pytest.raises(TransientMailError) as caught:
        transport.send(a_message())
    assert caught.value.stage == "connect"

    smtp_server.start()
    message = a_message()
    transport.send(message)
    assert smtp_server.wait_for(1)[0].message["Message-ID"] == message["Message-ID"]


def test_a_server_that_never_answers_is_a_transient_timeout() -> None:
    with socket.socket() as listener:  # accepts connections (backlog), never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(TransientMailError) as caught:
            SmtpTransport.from_url(f"smtp://127.0.0.1:{port}", timeout_s=0.3).send(a_message())
    assert "in time" in str(caught.value)
    assert time.monotonic() - started < 3


def test_urls_name_mode_port_and_decoded_credentials() -> None:
    starttls = SmtpTransport.from_url("smtp+starttls://us%3Aer:p%40ss%2Fw@mail.example.com",
                                      timeout_s=2)
    assert (starttls.security, starttls.host, starttls.port) == ("starttls", "mail.example.com",
                                                                 587)
    assert (starttls.username, starttls.password) == ("us:er", "p@ss/w")
    assert "p@ss" not in repr(starttls)
    assert SmtpTransport.from_url("smtps://u:p@mail.example.com", timeout_s=2).port == 465
    plain = SmtpTransport.from_url("smtp://localhost:2525", timeout_s=2)
    assert (plain.security, plain.port, plain.username) == ("plain", 2525, None)


@pytest.mark.parametrize("url", ["http://u:hunter2hunter2@host", "smtp://:2525",
                                 "smtp://onlyuser@host:25", "smtp://u:hunter2hunter2@host:99999"])
def test_bad_urls_are_refused_without_repeating_them(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        SmtpTransport.from_url(url, timeout_s=2)
    assert "hunter2" not in str(caught.value)


def test_redact_blanks_addresses_in_server_replies() -> None:
    assert redact("550 5.1.1 <bob.smith+x@mail.example.com>: unknown, bob@x.io too") == \
        "550 5.1.1 <<address>>: unknown, <address> too"
