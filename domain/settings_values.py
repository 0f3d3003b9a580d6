"""The shapes of configuration values beyond a number: lists of names, the SMTP server, the
sender address and base URLs. Each check raises ValueError with the reason (or none), and
never puts a password in it."""

from __future__ import annotations

import email.policy
from typing import Annotated, Any, Literal, get_args
from urllib.parse import quote, unquote, urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_settings import NoDecode

SMTP_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SMTP_FORMS = ("smtp://host:port, smtp+starttls://user:password@host:587 "
              "or smtps://user:password@host:465")
NAMES = "a comma-separated list of distinct names"
SENDER = "one address such as 'Rekindle <no-reply@example.com>'"
HTTP_URL = "an http:// or https:// URL with a host"


class SmtpUrl(BaseModel):
    """Where mail is sent: `smtp` in clear, `smtp+starttls` upgraded after connecting, `smtps`
    over TLS from the start. Printed, the password is masked."""

    model_config = ConfigDict(frozen=True)

    scheme: Literal["smtp", "smtp+starttls", "smtps"]
    host: str
    port: int
    username: str | None = None
    password: str | None = Field(default=None, repr=False)

    @property
    def starttls(self) -> bool:
        return self.scheme == "smtp+starttls"

    @property
    def implicit_tls(self) -> bool:
        return self.scheme == "smtps"

    def __str__(self) -> str:
        login = ""
        if self.username is not None:
            login = quote(self.username, safe="") + (":***" if self.password else "") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{login}{host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> SmtpUrl:
        parts = urlsplit(text.strip())
        if not parts.scheme:
            raise ValueError("it has no scheme")
        if parts.scheme not in SMTP_PORTS:
            raise ValueError(f"the scheme is {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("it names no host")
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            raise ValueError("its port is not a number from 1 to 65535")
        return cls(scheme=parts.scheme, host=parts.hostname,  # type: ignore[arg-type]
                   port=port or SMTP_PORTS[parts.scheme],
                   username=unquote(parts.username) if parts.username is not None else None,
                   password=unquote(parts.password) if parts.password is not None else None)


def _smtp_url(value: Any) -> Any:
    return SmtpUrl.parse(value) if isinstance(value, str) else value


def _names(value: Any) -> Any:
    """Commas separate the names; blanks around them (and empty items) are ignored."""
    if isinstance(value, str):
        value = [item for item in value.split(",") if item.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(n, str) for n in value):
        return value  # not names at all: the type check refuses it
    names = tuple(name.strip() for name in value)
    if not names or not all(names):
        raise ValueError("it names none" if not names else "a name is blank")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{name} appears twice")
        seen.add(name)
    return names


def _sender(value: Any) -> Any:
    """Exactly one address with a domain, and no line break (which would start a header)."""
    if not isinstance(value, str):
        return value
    try:
        header = email.policy.default.header_factory("From", value)
        addresses, defects = header.addresses, header.defects
    except IndexError:  # the stdlib parser trips over some malformed ones ("a@")
        addresses, defects = (), ("unparsable",)
    if ("\r" in value or "\n" in value or defects or len(addresses) != 1
            or not addresses[0].username or not addresses[0].domain):
        raise ValueError()
    return value.strip()


def _http_url(value: Any) -> Any:
    """Kept without a trailing slash: paths are appended to it."""
    if not isinstance(value, str):
        return value
    parts = urlsplit(value.strip())
    try:
        port_ok = parts.port != 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError()
    return value.strip().rstrip("/")


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


Names = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_names)]
Smtp = Annotated[SmtpUrl | None, NoDecode, BeforeValidator(_smtp_url)]
Sender = Annotated[str, BeforeValidator(_sender)]
HttpUrl = Annotated[str | None, BeforeValidator(_http_url)]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
                     BeforeValidator(_upper)]
LOG_LEVELS: tuple[str, ...] = get_args(get_args(LogLevel)[0])
