"""pytest plugin: a real SMTP server (aiosmtpd) on 127.0.0.1, collecting what it receives.

`smtp_server_factory(security=..., credentials=...)` starts one on a free port:
`"plain"`, `"starttls"` (STARTTLS required before anything else) or `"tls"` (implicit TLS),
the last two with a self-signed certificate made at test time; with `credentials` it refuses
mail until the client has logged in with them. `smtp_server`, `smtp_starttls_server`,
`smtp_tls_server` and `smtp_auth_server` are the usual ones ready-made.

`.received` holds each accepted message parsed, with its envelope, the login used and
whether the session was encrypted;
`.refuse(address, reply)` makes it refuse one recipient; `.stop()` and `.start()` take it
down and bring it back on the same port, for outage and retry tests. `.client_context()` is
an SSL context that trusts only this server's certificate.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SCHEMES = {"plain": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 with its key, as PEM files in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    login: str | None
    tls: bool


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.server.refused.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        tls = server.transport.get_extra_info("ssl_object") is not None
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                                 message, raw, login, tls))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def factory(self) -> Any:
        # aiosmtpd warns about AUTH without TLS, which the plain AUTH variant is for.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


class SmtpServer:
    """One aiosmtpd server on a fixed port; a new controller each start, as a stopped one
    has closed its event loop."""

    def __init__(self, folder: Path, *, security: str = "plain",
                 credentials: tuple[str, str] | None = None, port: int | None = None) -> None:
        if security not in SCHEMES:
            raise ValueError(f"unknown security {security!r}")
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.security = security
        self.credentials = credentials
        self.received: list[Received] = []
        self.refused: dict[str, str] = {}
        self.lock = threading.Lock()
        self.cert_path: Path | None = None
        self.key_path: Path | None = None
        if security != "plain":
            self.cert_path, self.key_path = self_signed_certificate(folder)
        self._controller: _Controller | None = None

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context

    def client_context(self) -> ssl.SSLContext:
        """Verifies certificates and host names like the default, trusting this server."""
        if self.cert_path is None:
            raise RuntimeError("a plain server has no certificate")
        return ssl.create_default_context(cafile=str(self.cert_path))

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.credentials is None:
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        return AuthResult(success=(login, password) == self.credentials, handled=False,
                          auth_data=auth_data)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.security == "tls":
            kwargs["ssl_context"] = self._server_context()
        if self.security == "starttls":
            kwargs.update(tls_context=self._server_context(), require_starttls=True)
        if self.credentials is not None:
            # STARTTLS takes AUTH only once encrypted; plain (`smtp://user:pass@`) and
            # implicit TLS take it at once (aiosmtpd only knows of STARTTLS's encryption).
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.security == "starttls")
        self._controller = _Controller(_Handler(self), hostname=self.host, port=self.port,
                                      ready_timeout=10.0, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def url(self, user: str | None = None, password: str | None = None) -> str:
        """The URL of this server; with the credentials given, or its own ones."""
        if user is None and self.credentials is not None:
            user, password = self.credentials
        auth = f"{quote(user, safe='')}:{quote(password or '', safe='')}@" if user else ""
        return f"{SCHEMES[self.security]}://{auth}{self.host}:{self.port}"

    def refuse(self, address: str, reply: str = "550 5.1.1 <{address}>: User unknown") -> None:
        self.refused[address.lower()] = reply.format(address=address)

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [item.message for item in self.received]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {len(self.received)}")


@pytest.fixture
def smtp_server_factory(tmp_path_factory: pytest.TempPathFactory
                        ) -> Iterator[Callable[..., SmtpServer]]:
    started: list[SmtpServer] = []

    def make(*, security: str = "plain", credentials: tuple[str, str] | None = None
             ) -> SmtpServer:
        server = SmtpServer(tmp_path_factory.mktemp("smtp"), security=security,
                            credentials=credentials).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    return smtp_server_factory()


@pytest.fixture
def smtp_starttls_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    return smtp_server_factory(security="starttls")


@pytest.fixture
def smtp_tls_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    return smtp_server_factory(security="tls")


@pytest.fixture
def smtp_auth_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """Plain SMTP that refuses mail until the client logs in (user `mailer`)."""
    return smtp_server_factory(credentials=("mailer", "s3cret:p@ss/word"))
