"""The HTML of the public pages personal links open, rendered on the server.

Each page works without JavaScript: a GET shows it, its button POSTs a plain form to the
page's own address (no `action`, so the token stays where it is). Nothing inline that a
strict Content-Security-Policy forbids: no scripts, no style attributes, one stylesheet of
ours. Routes serving these pages send `PAGE_HEADERS`, and serve `stylesheet()` at
`STYLESHEET_URL` with the type `text/css`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from consumers.mail.render import paragraphs, when

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # The token in the address is a credential: never cached, never sent on as a referrer,
    # never indexed.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}
STYLESHEET_URL = "/assets/public.css"
_STYLESHEET = Path(__file__).with_name("static") / "public.css"

# What a person may be told about a link that does not open its page, and with which
# status: a forged token is unknown (404), an expired or used one is gone (410).
LINK_ERRORS = {
    "invalid": (404, "Link not valid",
                "This link is not valid. Check that the whole address from the message was "
                "copied."),
    "expired": (410, "Link expired", "This link has expired."),
    "used": (410, "Link already used", "This link was already used, so it cannot be used "
             "again."),
}

OUTCOMES = {
    "granted": ("Thank you", "Your consent is recorded. We will keep your details and may "
                "contact you about suitable openings. You can withdraw it at any time."),
    "declined": ("Your answer is recorded", "You did not agree, so we will delete your "
                 "personal data."),
    "confirmed": ("Thank you for confirming", "Your details are saved and your consent is "
                  "recorded."),
    "updated": ("Your details are updated", "Thank you for keeping your details up to date."),
    "unsubscribed": ("You are unsubscribed", "Your consent to be contacted is withdrawn. We "
                     "will not send you these messages again."),
}

# Labels of a talent-form submission's fields, in the order a person reads them.
SUBMISSION_LABELS = {"name": "Name", "email": "Email", "phone": "Phone",
                     "interests": "Interests"}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str = "text"
    required: bool = False
    autocomplete: str | None = None
    hint: str | None = None


# The follow-up form: the submission's fields, names as in the JSON body, so a route can
# read a posted form like a JSON submission (`interests` is split at commas).
FOLLOW_UP_FIELDS = (
    FormField("name", "Name", required=True, autocomplete="name"),
    FormField("email", "Email", type="email", required=True, autocomplete="email"),
    FormField("phone", "Phone", type="tel", autocomplete="tel"),
    FormField("interests", "Interests", hint="Separate them with commas, for example: "
              "data engineering, remote work"),
)


@dataclass(frozen=True)
class _ShownField:
    name: str
    label: str
    type: str
    required: bool
    autocomplete: str | None
    hint: str | None
    value: str
    errors: tuple[str, ...]

    @property
    def invalid(self) -> bool:
        return bool(self.errors)

    @property
    def described_by(self) -> str:
        ids = [f"f-{self.name}-hint"] if self.hint else []
        ids += [f"f-{self.name}-error-{n}" for n in range(1, len(self.errors) + 1)]
        return " ".join(ids)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def stylesheet() -> bytes:
    return _STYLESHEET.read_bytes()


class PublicPages:
    """Renders each page to a complete HTML document."""

    def __init__(self, *, stylesheet_url: str = STYLESHEET_URL,
                 service: str = "Rekindle") -> None:
        self._globals = {"stylesheet_url": stylesheet_url, "service": service}
        self._env = Environment(
            loader=PackageLoader("api.public", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",)),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self._env.filters["paragraphs"] = paragraphs
        self._env.filters["when"] = when

    def _page(self, template: str, title: str, **context: Any) -> str:
        return self._env.get_template(template).render(title=title, **self._globals,
                                                       **context)

    def consent(self, *, consent_text: str, deadline: datetime | None = None) -> str:
        """The consent text, with Grant and Decline posting `decision=grant|decline`."""
        return self._page("consent.html", "May we keep your details?",
                          consent_text=consent_text, deadline=deadline)

    def confirm(self, *, form_title: str, submission: Mapping[str, Any],
                consent_text: str | None) -> str:
        """The submission to confirm (its known fields that have a value), with one button;
        `consent_text` None when the submission gave no consent."""
        fields = [(label, _shown(submission.get(key)))
                  for key, label in SUBMISSION_LABELS.items() if _shown(submission.get(key))]
        return self._page("confirm.html", "Please confirm your details",
                          form_title=form_title, fields=fields, consent_text=consent_text)

    def follow_up(self, *, form_title: str, values: Mapping[str, Any] | None = None,
                  errors: Mapping[str, Sequence[str]] | None = None,
                  fields: Iterable[FormField] = FOLLOW_UP_FIELDS) -> str:
        """The form, filled with `values`; `errors` (field -> messages, as a 422's details)
        shows a refused submission again with each message next to its field."""
        values, errors = values or {}, errors or {}
        shown = [_ShownField(f.name, f.label, f.type, f.required, f.autocomplete, f.hint,
                             _shown(values.get(f.name)), tuple(errors.get(f.name, ())))
                 for f in fields]
        return self._page("follow_up.html", form_title, fields=shown, errors=bool(errors))

    def unsubscribe(self, *, campaign_name: str | None = None) -> str:
        """One button; it posts `List-Unsubscribe=One-Click`, the body a mail program's own
        one-click unsubscribe sends (RFC 8058), so the route handles both alike."""
        return self._page("unsubscribe.html", "Unsubscribe", campaign_name=campaign_name)

    def done(self, outcome: str) -> str:
        """The page after a successful POST: `granted`, `declined`, `confirmed`, `updated`
        or `unsubscribed`."""
        title, text = OUTCOMES[outcome]
        return self._page("done.html", title, lines=[text])

    def link_error(self, reason: str) -> str:
        """The page for a link that is `invalid` (forged, altered, another page's), `expired`
        or `used`; sent with `link_error_status(reason)`."""
        _, title, explanation = LINK_ERRORS[reason]
        return self._page("link_error.html", title, explanation=explanation)


def link_error_status(reason: str) -> int:
    return LINK_ERRORS[reason][0]
