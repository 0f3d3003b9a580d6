"""The public pages as a browser (and a screen reader) takes them, under a strict CSP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from api.public.pages import (
    CONTENT_SECURITY_POLICY,
    OUTCOMES,
    PAGE_HEADERS,
    STYLESHEET_URL,
    PublicPages,
    link_error_status,
    stylesheet,
)

HOSTILE = '<script>alert(1)</script>"><b onclick="x()">'
CONSENT_TEXT = "We keep your CV for one year.\n\nYou may withdraw at any time."


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


class Page(HTMLParser):
    """Every element with its attributes and the text inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in ("meta", "link", "input", "br", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, tag: str) -> list[Element]:
        return [element for element in self.elements if element.tag == tag]


def parsed(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


pages = PublicPages()
ALL_PAGES: dict[str, Callable[[], str]] = {
    "consent": lambda: pages.consent(consent_text=CONSENT_TEXT,
                                     deadline=datetime(2027, 2, 9, 9, 0, tzinfo=UTC)),
    "confirm": lambda: pages.confirm(form_title="Talent pool", consent_text=CONSENT_TEXT,
                                     submission={"name": "Zoë", "email": "zoe@example.org"}),
    "follow_up": lambda: pages.follow_up(form_title="Talent pool"),
    "unsubscribe": lambda: pages.unsubscribe(),
    "done": lambda: pages.done("granted"),
    "link_error": lambda: pages.link_error("expired"),
}


@pytest.mark.parametrize("name", sorted(ALL_PAGES))
def test_every_page_is_accessible_and_needs_nothing_a_strict_csp_forbids(name: str) -> None:
    html = ALL_PAGES[name]()
    page = parsed(html)
    assert html.startswith("<!DOCTYPE html>")
    [root] = page.all("html")
    assert root.attrs["lang"] == "en"
    assert len(page.all("h1")) == 1 and page.all("title")[0].text.strip()
    assert len(page.all("main")) == 1
    assert page.all("script") == [] and page.all("style") == [] and page.all("img") == []
    for element in page.elements:
        assert "style" not in element.attrs
        assert not any(attr.startswith("on") for attr in element.attrs)
    [sheet] = page.all("link")
    assert (sheet.attrs["rel"], sheet.attrs["href"]) == ("stylesheet", STYLESHEET_URL)
    for element in page.elements:  # every address is our own
        for attr in ("href", "src", "action"):
            assert "//" not in (element.attrs.get(attr) or "")
    for form in page.all("form"):  # posts back to the page itself, no script needed
        assert form.attrs["method"] == "post" and "action" not in form.attrs


def test_the_consent_page_shows_the_text_and_offers_grant_and_decline() -> None:
    page = parsed(ALL_PAGES["consent"]())
    [quote] = page.all("blockquote")
    assert "We keep your CV for one year." in quote.text
    assert "You may withdraw at any time." in quote.text
    assert len(page.all("p")) >= 2
    buttons = [(b.attrs["name"], b.attrs["value"], b.attrs["type"]) for b in page.all("button")]
    assert buttons == [("decision", "grant", "submit"), ("decision", "decline", "submit")]
    assert "9 February 2027, 09:00 UTC" in ALL_PAGES["consent"]()


def test_text_from_outside_is_escaped_everywhere() -> None:
    htmls = [pages.consent(consent_text=HOSTILE),
             pages.confirm(form_title=HOSTILE, consent_text=HOSTILE,
                           submission={"name": HOSTILE, "interests": [HOSTILE]}),
             pages.follow_up(form_title=HOSTILE, values={"name": HOSTILE},
                             errors={"name": [HOSTILE]}),
             pages.unsubscribe(campaign_name=HOSTILE)]
    for html in htmls:
        page = parsed(html)
        assert page.all("script") == [] and page.all("b") == []
        assert not any("onclick" in element.attrs for element in page.elements)
        assert "&lt;script&gt;" in html


def test_the_confirm_page_lists_the_submission_with_one_button() -> None:
    page = parsed(pages.confirm(form_title="Talent pool", consent_text=CONSENT_TEXT,
                                submission={"name": "Zoë", "email": "zoe@example.org",
                                            "phone": None,
                                            "interests": ["data", "remote"]}))
    shown = dict(zip([dt.text for dt in page.all("dt")], [dd.text for dd in page.all("dd")],
                     strict=True))
    assert shown == {"Name": "Zoë", "Email": "zoe@example.org", "Interests": "data, remote"}
    [button] = page.all("button")
    assert button.attrs["type"] == "submit" and "name" not in button.attrs
    assert "We keep your CV" in page.all("blockquote")[0].text


def test_the_follow_up_form_labels_every_field_and_keeps_what_was_typed() -> None:
    page = parsed(pages.follow_up(form_title="Talent pool",
                                  values={"name": "Zoë", "email": "not-an-email",
                                          "interests": ["data", "remote"]},
                                  errors={"email": ["Not a valid email address."]}))
    inputs = {i.attrs["name"]: i for i in page.all("input")}
    assert list(inputs) == ["name", "email", "phone", "interests"]
    labels = {label.attrs["for"]: label.text for label in page.all("label")}
    ids = {element.attrs.get("id") for element in page.elements}
    for name, element in inputs.items():
        assert element.attrs["id"] in labels, name  # a label points at every input
        for described in (element.attrs.get("aria-describedby") or "").split():
            assert described in ids
    assert inputs["name"].attrs["value"] == "Zoë"
    assert inputs["interests"].attrs["value"] == "data, remote"
    assert inputs["email"].attrs["type"] == "email" and "required" in inputs["email"].attrs
    assert inputs["email"].attrs["aria-invalid"] == "true"
    assert "aria-invalid" not in inputs["name"].attrs
    [alert] = [p for p in page.all("p") if p.attrs.get("role") == "alert"]
    assert "attention" in alert.text
    assert "Not a valid email address." in "".join(p.text for p in page.all("p"))
    assert parsed(pages.follow_up(form_title="x")).all("input")[0].attrs["value"] == ""


def test_the_unsubscribe_page_posts_what_a_mail_programs_one_click_posts() -> None:
    page = parsed(pages.unsubscribe(campaign_name="New roles in Lyon"))
    [hidden] = page.all("input")
    assert (hidden.attrs["type"], hidden.attrs["name"], hidden.attrs["value"]) == \
        ("hidden", "List-Unsubscribe", "One-Click")
    assert len(page.all("button")) == 1
    assert "New roles in Lyon" in page.all("main")[0].text


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_each_outcome_has_its_done_page(outcome: str) -> None:
    page = parsed(pages.done(outcome))
    assert page.all("h1")[0].text == OUTCOMES[outcome][0]
    assert page.all("form") == []


def test_links_that_do_not_open_a_page_get_404_or_410() -> None:
    assert link_error_status("invalid") == 404
    assert link_error_status("expired") == 410 and link_error_status("used") == 410
    titles = {parsed(pages.link_error(r)).all("h1")[0].text for r in ("invalid", "expired",
                                                                       "used")}
    assert len(titles) == 3
    assert parsed(pages.link_error("used")).all("form") == []


def test_the_headers_and_the_stylesheet_the_routes_serve() -> None:
    assert PAGE_HEADERS["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives == {"default-src": "'none'", "style-src": "'self'",
                          "form-action": "'self'", "frame-ancestors": "'none'",
                          "base-uri": "'none'"}
    assert PAGE_HEADERS["Referrer-Policy"] == "no-referrer"
    assert PAGE_HEADERS["Cache-Control"] == "no-store"
    css = stylesheet().decode()
    assert "main {" in css and "url(" not in css and "@import" not in css


def test_another_stylesheet_address() -> None:
    html = PublicPages(stylesheet_url="/rekindle/assets/public.css").done("updated")
    assert parsed(html).all("link")[0].attrs["href"] == "/rekindle/assets/public.css"
