"""The pages personal links open: HTML, no token (the signed link is the credential).

A GET only shows a page and records nothing (mail scanners open links); only the POST from
the page's button records. A forged or altered link answers 404, an expired one 410, and a
used one (answered, confirmed, superseded, or its person erased) 410: nothing recorded. The
address holds the token and nothing else personal; pages are served with a strict CSP.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from flask import Response, current_app, jsonify, request

from api import responses
from api.app import rekindle, runtime
from api.blueprint import Blueprint
from api.public.pages import (
    PAGE_HEADERS,
    STYLESHEET_URL,
    PublicPages,
    link_error_status,
    stylesheet,
)
from consumers.mail.links import ExpiredLink, LinkClaims, LinkError, LinkSigner
from domain.errors import LinkUsed, ValidationFailed
from projections.link_secret import link_secret

blp = Blueprint("public", __name__, pages=True,
                description="The pages of personal links (HTML, no token)")

HTML = {"type": "string", "description": "an HTML page"}
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MULTIPART = "multipart/form-data"  # a one-click unsubscribe may be posted as either form
_lock = threading.Lock()


def _shared(key: str, make: Any) -> Any:
    with _lock:
        found = current_app.extensions.get(key)
        if found is None:
            found = current_app.extensions[key] = make()
    return found


def signer() -> LinkSigner:
    rt = runtime()
    return _shared("rekindle.links", lambda: LinkSigner(
        link_secret(rt.database.pool, rt.settings.link_secret)))


def pages() -> PublicPages:
    return _shared("rekindle.pages", PublicPages)


def page(html: str, status: int = 200) -> Response:
    return Response(html, status=status, headers=PAGE_HEADERS)


def refused(reason: str) -> Response:
    return page(pages().link_error(reason), link_error_status(reason))


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def claims(token: str, purpose: str) -> LinkClaims:
    try:
        return signer().verify(token, purpose)
    except ExpiredLink:
        raise Refused("expired") from None
    except LinkError:
        raise Refused("invalid") from None


@blp.errorhandler(Refused)
def _refused(error: Refused) -> Response:
    return refused(error.reason)


@blp.errorhandler(LinkUsed)
def _used(error: LinkUsed) -> Response:
    return refused("used")


def _document(summary: str, *takes: str) -> Any:
    """`takes`: the media types of the body its page's form (or a mail program) posts."""
    page_of = {"text/html": {"schema": HTML}}
    extra: dict[str, Any] = {"summary": summary, "responses": {
        "404": {"description": "a link not valid (forged, altered, another page's)",
                "content": page_of},
        "410": {"description": "a link expired, or used", "content": page_of}}}
    if takes:
        extra["requestBody"] = {"required": False, "content": {
            media: {"schema": {"type": "object"}} for media in takes}}
    return blp.doc(**extra)


@blp.route(STYLESHEET_URL, methods=["GET"])
@responses.read(blp, {"type": "string"}, content_type="text/css")
def public_css() -> Response:
    return Response(stylesheet(), content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=86400"})


@blp.route("/consent/<token>", methods=["GET"])
@responses.read(blp, HTML, content_type="text/html")
@_document("The consent text, with Grant and Decline")
def consent_page(token: str) -> Response:
    link = claims(token, "consent")
    question = rekindle().consent_links.question(link.candidate_id, link.ref)
    return page(pages().consent(consent_text=question.text, deadline=question.deadline))


@blp.route("/consent/<token>", methods=["POST"])
@responses.read(blp, HTML, content_type="text/html")
@_document("Records the answer: `decision=grant|decline`", FORM)
def consent_answer(token: str) -> Response:
    link = claims(token, "consent")
    decision = request.form.get("decision")
    if decision not in ("grant", "decline"):
        question = rekindle().consent_links.question(link.candidate_id, link.ref)
        return page(pages().consent(consent_text=question.text, deadline=question.deadline),
                    422)
    rekindle().consent_links.answer(link.candidate_id, link.ref, decision)
    return page(pages().done("granted" if decision == "grant" else "declined"))


@blp.route("/confirm/<token>", methods=["GET"])
@responses.read(blp, HTML, content_type="text/html")
@_document("The talent-form submission to confirm")
def confirm_page(token: str) -> Response:
    link = claims(token, "confirm")
    shown = rekindle().forms.confirmation(UUID(link.ref), link.candidate_id)
    return page(pages().confirm(form_title=shown["form_title"], submission=shown["answers"],
                                consent_text=shown["consent_text"]))


@blp.route("/confirm/<token>", methods=["POST"])
@responses.read(blp, HTML, content_type="text/html")
@_document("Confirms the submission (and the consent given with it)", FORM)
def confirm(token: str) -> Response:
    link = claims(token, "confirm")
    rekindle().forms.confirm(UUID(link.ref), link.candidate_id)
    return page(pages().done("confirmed"))


@blp.route("/follow-up/<token>", methods=["GET"])
@responses.read(blp, HTML, content_type="text/html")
@_document("The follow-up form, filled with the profile's values")
def follow_up_page(token: str) -> Response:
    link = claims(token, "follow_up")
    shown = rekindle().invitations.follow_up_form(UUID(link.ref), link.candidate_id)
    return page(pages().follow_up(form_title=shown["form_title"], values=shown["values"]))


def _submitted() -> tuple[dict[str, Any], bool]:
    """The follow-up's fields, from the page's form or a JSON body; whether it was JSON."""
    if request.is_json:
        body = request.get_json(silent=True)
        return (body if isinstance(body, dict) else {}), True
    fields = {key: request.form.get(key) for key in ("name", "email", "phone", "interests")}
    interests = fields.get("interests") or ""
    fields["interests"] = [item.strip() for item in interests.split(",") if item.strip()]
    return fields, False


@blp.route("/follow-up/<token>", methods=["POST"])
@responses.read(blp, HTML, content_type="text/html")
@_document("Updates the candidate with the form's fields (or a JSON body of them)", FORM, JSON)
def follow_up(token: str) -> Response:
    link = claims(token, "follow_up")
    fields, as_json = _submitted()
    unknown = sorted(set(fields) - {"name", "email", "phone", "interests"})
    try:
        if unknown:
            raise ValidationFailed("unknown fields", {k: ["unknown field"] for k in unknown})
        rekindle().invitations.follow_up(UUID(link.ref), link.candidate_id,
                                         fields.get("name"), fields.get("email"),
                                         fields.get("phone"), fields.get("interests"))
    except ValidationFailed as error:
        if as_json:
            raise
        shown = rekindle().invitations.follow_up_form(UUID(link.ref), link.candidate_id)
        return page(pages().follow_up(form_title=shown["form_title"], values=fields,
                                      errors=error.details), 422)
    if as_json:
        return jsonify({"status": "updated"})
    return page(pages().done("updated"))


@blp.route("/unsubscribe/<token>", methods=["GET"])
@responses.read(blp, HTML, content_type="text/html")
@_document("One button that withdraws consent")
def unsubscribe_page(token: str) -> Response:
    link = claims(token, "unsubscribe")
    rekindle().consent_links.unsubscribable(link.candidate_id, UUID(link.ref))
    return page(pages().unsubscribe())


@blp.route("/unsubscribe/<token>", methods=["POST"])
@responses.read(blp, HTML, content_type="text/html")
@_document("One click (RFC 8058): withdraws consent", FORM, MULTIPART)
def unsubscribe(token: str) -> Response:
    link = claims(token, "unsubscribe")
    rekindle().consent_links.unsubscribe(link.candidate_id, UUID(link.ref))
    return page(pages().done("unsubscribed"))
