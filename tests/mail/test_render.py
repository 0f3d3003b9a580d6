"""What each kind of message says, and that text written by people stays text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from markupsafe import escape

from consumers.mail.render import CONTEXT, render

DEADLINE = datetime(2027, 3, 12, 14, 30, tzinfo=UTC)
CONSENT_TEXT = "We keep your CV and contact details for one year.\n\nYou may withdraw at any time."
HOSTILE = '<script>alert("x")</script> & <img src="https://tracker.example/p.gif">'

EXAMPLES = {
    "consent_request": {"variant": "request", "link": "https://r.example/consent/TOKEN",
                        "deadline": DEADLINE, "consent_text": CONSENT_TEXT},
    "form_confirmation": {"form_title": "Join our talent pool",
                          "link": "https://r.example/confirm/TOKEN",
                          "consent_text": CONSENT_TEXT},
    "follow_up": {"form_title": "Join our talent pool", "link": "https://r.example/follow-up/T"},
    "campaign": {"campaign_subject": "New roles in Lyon", "body": "Hello!\n\nWe are hiring.",
                 "unsubscribe_link": "https://r.example/unsubscribe/TOKEN"},
    "notification": {"message": "Call Zoë about the offer", "reason": "reminder_due"},
}


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_kind_renders_a_subject_a_text_and_a_plain_html_page(kind: str) -> None:
    subject, text, html = render(kind, **EXAMPLES[kind])
    assert subject and "\n" not in subject
    assert text.strip() and html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html and f"<title>{subject}</title>" in html
    for link in (value for key, value in EXAMPLES[kind].items() if "link" in key):
        assert link in text and f'href="{link}"' in html
    # Small and plain: nothing fetched from anywhere, nothing run.
    for forbidden in ("<img", "<script", "<link", "<style", "style=", "src="):
        assert forbidden not in html


def test_a_consent_request_shows_the_consent_text_exactly_and_the_deadline() -> None:
    _, text, html = render("consent_request", **EXAMPLES["consent_request"])
    assert CONSENT_TEXT in text
    assert "12 March 2027, 14:30 UTC" in text and "12 March 2027, 14:30 UTC" in html
    assert "<p>We keep your CV and contact details for one year.</p>" in html
    assert "<p>You may withdraw at any time.</p>" in html


def test_a_deadline_in_another_zone_is_shown_in_utc() -> None:
    paris = DEADLINE.astimezone(timezone(timedelta(hours=1)))
    _, text, _ = render("consent_request", **{**EXAMPLES["consent_request"], "deadline": paris})
    assert "12 March 2027, 14:30 UTC" in text


def test_the_three_consent_requests_say_different_things() -> None:
    rendered = {variant: render("consent_request",
                                **{**EXAMPLES["consent_request"], "variant": variant})
                for variant in ("request", "reminder", "renewal")}
    assert len({r.subject for r in rendered.values()}) == 3
    assert "not heard back" in rendered["reminder"].text
    assert "runs out on 12 March 2027" in rendered["renewal"].text
    with pytest.raises(ValueError):
        render("consent_request", **{**EXAMPLES["consent_request"], "variant": "nag"})


def test_a_greeting_uses_the_name_when_given() -> None:
    assert render("follow_up", **EXAMPLES["follow_up"]).text.startswith("Hello,\n")
    named = render("follow_up", **EXAMPLES["follow_up"], name="Zoë <Z>")
    assert named.text.startswith("Hello Zoë <Z>,\n")
    assert "<p>Hello Zoë &lt;Z&gt;,</p>" in named.html


def test_a_recruiters_campaign_is_escaped_in_html_with_its_paragraphs_kept() -> None:
    body = f"Dear candidate,\nsee below.\n\n{HOSTILE}\n\n\nBest, Ana"
    subject, text, html = render("campaign", campaign_subject="Roles <b>now</b>\r\nBcc: x",
                                 body=body, unsubscribe_link="https://r.example/u/T")
    assert subject == "Roles <b>now</b> Bcc: x"
    assert "<title>Roles &lt;b&gt;now&lt;/b&gt; Bcc: x</title>" in html
    assert body in text and "https://r.example/u/T" in text
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img" in html
    paragraphs = re.findall(r"<p>(.*?)</p>", html, flags=re.S)
    assert paragraphs[:3] == ["Dear candidate,<br>\nsee below.",
                              str(escape(HOSTILE)), "Best, Ana"]


def test_text_written_by_people_is_never_run_as_a_template() -> None:
    subject, text, _ = render("campaign", campaign_subject="{{ 7 * 7 }}",
                                 body="{% for x in range(3) %}{{ x }}{% endfor %}",
                                 unsubscribe_link="https://r.example/u/T")
    assert subject == "{{ 7 * 7 }}"
    assert "{% for x in range(3) %}{{ x }}{% endfor %}" in text and "49" not in text
    notification = render("notification", message="{{ config }} <b>", reason="rule")
    assert "{{ config }} <b>" in notification.text
    assert "{{ config }} &lt;b&gt;" in notification.html


def test_form_titles_are_escaped() -> None:
    _, _, html = render("form_confirmation", **{**EXAMPLES["form_confirmation"],
                                                "form_title": HOSTILE})
    assert "<script" not in html and "&lt;script&gt;" in html


def test_a_notification_says_why_it_was_sent() -> None:
    due = render("notification", message="Call Zoë back", reason="reminder_due")
    rule = render("notification", message="Silver medallist added", reason="rule")
    assert due.subject == "Reminder: Call Zoë back"
    assert "reminder you are assigned to" in due.text
    assert "automation rule" in rule.text and "Silver medallist added" in rule.html
    long = render("notification", message="word " * 40, reason="rule")
    assert len(long.subject) <= 80


@pytest.mark.parametrize("kind", sorted(CONTEXT))
def test_a_missing_fact_is_an_error_not_a_gap(kind: str) -> None:
    facts = dict(EXAMPLES[kind])
    facts.pop(CONTEXT[kind][-1])
    with pytest.raises(ValueError, match=CONTEXT[kind][-1]):
        render(kind, **facts)
