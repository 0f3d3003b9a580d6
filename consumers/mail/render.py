"""Turning a kind of message and its facts into a subject, a plain text and an HTML body.

Templates live next to this module, one subject, text and HTML file per kind. HTML is
autoescaped, and text a recruiter wrote (a campaign's subject and body, a rule's message) is
only ever passed in as data, never compiled as a template. A missing fact is an error, not
an empty gap in a message already on its way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from consumers.mail.compose import KINDS

# What each kind needs; `name` (a greeting) is optional for the messages to candidates.
CONTEXT = {
    "consent_request": ("variant", "link", "deadline", "consent_text"),
    "form_confirmation": ("form_title", "link", "consent_text"),
    "follow_up": ("form_title", "link"),
    "campaign": ("campaign_subject", "body", "unsubscribe_link"),
    "notification": ("message", "reason"),
}
CONSENT_VARIANTS = ("request", "reminder", "renewal")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


class Rendered(NamedTuple):
    subject: str
    text: str
    html: str


def paragraphs(text: str) -> Markup:
    """Plain text as HTML: escaped, blank lines separate paragraphs, single breaks kept."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in
                                                          block.split("\n")))
        for block in blocks if block)


def when(value: datetime) -> str:
    """A moment spelled out in UTC, the same whatever the server's locale."""
    if value.tzinfo is None:
        raise ValueError("a date shown in a message needs a timezone")
    at = value.astimezone(UTC)
    return f"{at.day} {_MONTHS[at.month - 1]} {at.year}, {at:%H:%M} UTC"


_env = Environment(
    loader=PackageLoader("consumers.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["paragraphs"] = paragraphs
_env.filters["when"] = when


def render(kind: str, **context: Any) -> Rendered:
    """(subject, text, html) of one message. See `CONTEXT` for the facts each kind needs."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    missing = [key for key in CONTEXT[kind] if key not in context]
    if missing:
        raise ValueError(f"{kind} needs {', '.join(missing)}")
    if kind == "consent_request" and context["variant"] not in CONSENT_VARIANTS:
        raise ValueError(f"consent_request variant must be one of {CONSENT_VARIANTS}")
    subject = " ".join(_render(f"{kind}.subject.txt", context).split())
    name = context.get("name")
    facts: Mapping[str, Any] = {**context, "subject": subject,
                                "greeting": f"Hello {name}," if name else "Hello,"}
    return Rendered(subject, _render(f"{kind}.txt", facts), _render(f"{kind}.html", facts))


def _render(name: str, context: Mapping[str, Any]) -> str:
    return _env.get_template(name).render(context)
