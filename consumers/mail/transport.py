"""Handing a message to a mail server, with failures sorted into "try again" and "give up".

The configured SMTP URL names the server: `smtp://host:port` (plain, AUTH when the URL has
credentials), `smtp+starttls://user:password@host:587` (STARTTLS, certificate verified) or
`smtps://user:password@host:465` (implicit TLS). Credentials are URL-decoded.

The mailer retries a `TransientMailError` with backoff and marks the message failed on a
`PermanentMailError`. Neither carries the password or a recipient address: error texts end up
in logs and in the mails list, and a server's reply often quotes the address it refused, so
addresses are blanked out of every reply kept.
"""

from __future__ import annotations

import contextlib
import copy
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

# The candidate a message concerns, so a local copy can be found again on erasure. It is
# for our own filing only: the SMTP transport removes it before the message leaves.
CANDIDATE_HEADER = "X-Rekindle-Candidate"

SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}

_ADDRESS = re.compile(r"[^\s<>()\[\]@,;:\"']+@[^\s<>()\[\],;:\"']+")


class MailError(Exception):
    """A message was not accepted. `stage` says which step failed, `code` the SMTP reply."""

    def __init__(self, text: str, *, stage: str, code: int | None = None) -> None:
        super().__init__(text)
        self.stage = stage
        self.code = code


class TransientMailError(MailError):
    """Worth trying again later: the server was down, slow, busy or answered 4xx."""


class PermanentMailError(MailError):
    """Trying again will not help: the server refused with 5xx or refused our credentials."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hands the message over, or raises a `MailError`."""


def redact(text: str) -> str:
    """The text with every email address blanked out."""
    return _ADDRESS.sub("<address>", text)


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return redact(" ".join(text.split()))[:200]


def _by_code(code: int, reply: bytes | str, stage: str) -> MailError:
    text = f"SMTP {stage} refused: {code} {_reply_text(reply)}"
    kind = TransientMailError if 400 <= code < 500 else PermanentMailError
    if code < 400 or code >= 600:  # not a refusal we understand: let the mailer retry
        kind = TransientMailError
    return kind(text, stage=stage, code=code)


@dataclass(frozen=True)
class SmtpTransport:
    """One connection per message: the mailer sends a few at a time, and a fresh connection
    never trips over a session the server closed while idle."""

    host: str
    port: int
    security: str = "plain"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_url(cls, url: str, *, timeout_s: float,
                 ssl_context: ssl.SSLContext | None = None) -> SmtpTransport:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            # The URL itself is not repeated: it may hold the password.
            raise ValueError(f"unsupported SMTP URL scheme {scheme!r}; use one of "
                             + ", ".join(f"{s}://" for s in SCHEMES))
        if not parts.hostname:
            raise ValueError("the SMTP URL names no host")
        security, default_port = SCHEMES[scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise ValueError("the SMTP URL has an invalid port") from None
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if (username is None) != (password is None):
            raise ValueError("the SMTP URL must give both a user and a password, or neither")
        return cls(host=parts.hostname, port=port, security=security, username=username,
                   password=password, timeout_s=timeout_s, ssl_context=ssl_context)

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> None:
        outgoing = copy.copy(message)
        del outgoing[CANDIDATE_HEADER]
        stage = "connect"
        client: smtplib.SMTP | None = None
        try:
            if self.security == "tls":
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                          context=self._context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            if self.security == "starttls":
                stage = "starttls"
                client.starttls(context=self._context())
            if self.username is not None:
                stage = "auth"
                client.login(self.username, self.password or "")
            stage = "send"
            refused = client.send_message(outgoing)
            if refused:  # some recipients were refused, the others accepted
                code, reply = next(iter(refused.values()))
                raise _by_code(code, reply, "rcpt")
            stage = "quit"
            # The message was accepted: a lost goodbye changes nothing.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
        except MailError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            # Every recipient refused; the exception's own text lists their addresses.
            # One refused for now (4xx) is enough to make trying again worth it.
            replies = sorted(exc.recipients.values(), key=lambda r: not 400 <= r[0] < 500)
            raise _by_code(*replies[0], "rcpt") from None
        except smtplib.SMTPSenderRefused as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error, "mail from") from None
        except smtplib.SMTPDataError as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error, "data") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error, "auth") from None
        except smtplib.SMTPResponseException as exc:  # connect and HELO refusals
            raise _by_code(exc.smtp_code, exc.smtp_error, stage) from None
        except smtplib.SMTPNotSupportedError as exc:
            if stage == "starttls":
                # Possibly a server misconfigured for a while, possibly someone stripping
                # STARTTLS on the way: never fall back to plain text, try again later.
                raise TransientMailError("SMTP server does not offer STARTTLS",
                                         stage=stage) from None
            raise PermanentMailError(f"SMTP {stage} not possible: {_reply_text(str(exc))}",
                                     stage=stage) from None
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib reports a reply that never came as a disconnection.
            if isinstance(exc.__context__, TimeoutError):
                raise TransientMailError(f"SMTP server did not answer in time during {stage}",
                                         stage=stage) from None
            raise TransientMailError(f"SMTP server closed the connection during {stage}",
                                     stage=stage) from None
        except smtplib.SMTPException as exc:  # e.g. no authentication method in common
            raise PermanentMailError(f"SMTP {stage} failed: {_reply_text(str(exc))}",
                                     stage=stage) from None
        except ssl.SSLCertVerificationError as exc:
            raise TransientMailError(
                f"SMTP server certificate not trusted during {stage}: {exc.verify_message}",
                stage=stage) from None
        except TimeoutError:
            raise TransientMailError(f"SMTP server did not answer in time during {stage}",
                                     stage=stage) from None
        except OSError as exc:  # refused, reset, unreachable, TLS handshake failures
            reason = exc.strerror or type(exc).__name__
            raise TransientMailError(f"SMTP {stage} to {self.host}:{self.port} failed: "
                                     f"{reason}", stage=stage) from None
        finally:
            if client is not None:
                client.close()
