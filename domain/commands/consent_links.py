"""What a candidate does through the personal links in their mails: give or refuse consent,
and unsubscribe from campaigns.

The link (checked by the caller: signature, purpose, expiry) names the candidate and what it
answers: a consent link the request (or the grant, for a renewal) recorded at one version
of the candidate, in the variant of the mail that carried it; an unsubscribe link a
campaign. A link answers that one request and no other: once it is answered, superseded by
a newer request, or its person erased, the link is used (`LinkUsed`) and records nothing.
Showing a link's page never records anything either (mail scanners open links).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain import access
from domain.actor import SYSTEM_USER_ID, Actor
from domain.candidate import Candidate
from domain.commands.consent import Consent, lapses_at, proof, request_message_id
from domain.consent_text import text_of
from domain.errors import LinkUsed, NotFound
from domain.mail import mail_id, message_id
from domain.recorded import Recorded, command, now
from domain.settings import Settings
from domain.store import EventStore

PUBLIC = Actor(SYSTEM_USER_ID, access.PUBLIC)
VARIANTS = {"r": ("request", "reminder"), "g": ("renewal",)}


def consent_ref(opened_by: str, version: int, variant: str) -> str:
    """`r12:reminder`: the request recorded at version 12, in the reminder's mail; `g15:renewal`:
    the grant recorded at version 15, in the renewal request."""
    if variant not in VARIANTS[opened_by]:
        raise ValueError(f"no {variant} link for {opened_by}")
    return f"{opened_by}{version}:{variant}"


def _parsed(ref: str) -> tuple[str, int, str]:
    try:
        head, variant = ref.split(":", 1)
        kind, version = head[0], int(head[1:])
    except (ValueError, IndexError):
        raise LinkUsed("this link answers nothing") from None
    if variant not in VARIANTS.get(kind, ()):
        raise LinkUsed("this link answers nothing")
    return kind, version, variant


@dataclass(frozen=True)
class ConsentQuestion:
    """What the consent page shows: the text asked about, and until when it may be answered."""

    text: str
    deadline: datetime | None
    variant: str


class ConsentLinks:
    def __init__(self, store: EventStore, consent: Consent, settings: Settings) -> None:
        self.store = store
        self.consent = consent
        self.settings = settings

    def _candidate(self, candidate_id: UUID) -> Candidate:
        try:
            candidate = self.store.load(Candidate, candidate_id)
        except NotFound:
            raise LinkUsed("nobody answers this link") from None
        if candidate.is_anonymized:
            raise LinkUsed("the person's data was deleted")
        return candidate

    def _open(self, candidate: Candidate, ref: str) -> tuple[str, int, str]:
        kind, version, variant = _parsed(ref)
        consent = candidate.consent
        wanted = "requested" if kind == "r" else "granted"
        if consent.status != wanted or consent.since != version:
            raise LinkUsed("this request was answered or replaced by a newer one")
        return kind, version, variant

    def question(self, candidate_id: UUID, ref: str) -> ConsentQuestion:
        """The page of a consent link still open (else LinkUsed)."""
        candidate = self._candidate(candidate_id)
        kind, _, variant = self._open(candidate, ref)
        consent = candidate.consent
        text = text_of(self.store, consent.text_sha256) or self.settings.consent_text
        deadline = consent.deadline if kind == "r" else lapses_at(candidate, self.settings)
        return ConsentQuestion(text, deadline, variant)

    @command
    def answer(self, candidate_id: UUID, ref: str, decision: str) -> Recorded:
        """`grant`: ConsentGranted (channel `email_link`), valid for the configured time;
        `decline`: ConsentRevoked and a deletion request. Each with the proof naming the
        mail whose link was used."""
        if decision not in ("grant", "decline"):
            raise ValueError(f"unknown decision {decision!r}")
        candidate = self._candidate(candidate_id)
        _, version, variant = self._open(candidate, ref)
        at, digest = now(), candidate.consent.text_sha256
        evidence = proof("email_link", digest, at,
                         message=request_message_id(candidate, version, variant, self.settings))
        if decision == "grant":
            candidate.grant_consent(channel="email_link", purposes=[], at=at, by=PUBLIC,
                                    proof=evidence, valid_until=self.consent.valid_until(at))
        else:
            candidate.revoke_consent(by=PUBLIC, proof=evidence)
            if candidate.deletion_requested_at is None:
                candidate.request_deletion(at=at, by=PUBLIC)
        return Recorded(candidate.id, self.store.record(candidate), {"decision": decision})

    def unsubscribable(self, candidate_id: UUID, campaign_id: UUID) -> None:
        """Raises LinkUsed unless there is a consent left to withdraw."""
        candidate = self._candidate(candidate_id)
        if candidate.consent.status != "granted":
            raise LinkUsed("there is no consent left to withdraw")

    @command
    def unsubscribe(self, candidate_id: UUID, campaign_id: UUID) -> Recorded:
        """One click in a campaign mail: ConsentRevoked (channel `unsubscribe`). The profile
        stays (a deletion request is the person's to make, or a recruiter's to record)."""
        candidate = self._candidate(candidate_id)
        if candidate.consent.status != "granted":
            raise LinkUsed("there is no consent left to withdraw")
        mail = mail_id(campaign_id, "campaign", recipient_id=candidate.id)
        candidate.revoke_consent(by=PUBLIC, proof=proof(
            "unsubscribe", candidate.consent.text_sha256, now(),
            message=message_id(mail, self.settings.mail_from)))
        return Recorded(candidate.id, self.store.record(candidate))
