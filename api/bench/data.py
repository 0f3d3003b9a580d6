"""Generated data: an event backlog built in Python and saved in big batches, a long-lived
candidate, and a spreadsheet for the import."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.candidate import Candidate
from domain.opportunity import Opportunity
from domain.personal import Personal

EVENTS_PER_SAVE = 500
STAGES = ("recruiter_screen", "phone_interview", "onsite_interview", "final_interview")
REASONS = ("position_filled", "timing", "offer_declined", "withdrew")


def _profile(n: int) -> dict[str, Any]:
    return {"name": f"Bench Candidate {n}", "emails": [f"bench{n}@example.com"],
            "phones": [f"+44 20 7946 {n % 10000:04d}"], "location": "London",
            "headline": "Backend engineer", "links": []}


def _candidate_story(n: int, by: Actor) -> list[Any]:
    """Nine events: a silver medallist whose archived opportunity is copied into a new one."""
    cid = Candidate.create_id()
    candidate = Candidate(personal=Personal(cid, _profile(n)), tags=["python"],
                          sources=["LinkedIn"], origin="sourced", by=by, id=cid)
    candidate.update_profile(personal=Personal(cid, {"headline": "Staff engineer"}), tags=None,
                             sources=None, by=by)
    candidate.tag(tag=f"cohort-{n % 50}", by=by)
    first = Opportunity(candidate_id=cid, posting_id=None, owner_id=by.user_id, stage="new_lead",
                        origin="sourced", sources=["LinkedIn"], tags=["backend"], by=by)
    first.change_stage(stage=STAGES[n % len(STAGES)], by=by)
    first.add_tag(tag="silver-medallist", by=by)
    first.archive(reason=REASONS[n % len(REASONS)], at=datetime.now(UTC), by=by)
    second = Opportunity(candidate_id=cid, posting_id=None, owner_id=by.user_id,
                         stage="new_lead", origin="sourced", sources=[], tags=[], by=by)
    second.copy_info_from(first, ["sources", "tags"], by)
    return [candidate, first, second]


def record_backlog(app: Any, events: int, by: Actor) -> int:
    """Records at least `events` events, about EVENTS_PER_SAVE per save; returns the count."""
    recorded = 0
    n = 0
    while recorded < events:
        batch: list[Any] = []
        pending = 0
        while pending < EVENTS_PER_SAVE and recorded + pending < events:
            story = _candidate_story(n, by)
            n += 1
            batch.extend(story)
            pending += sum(len(a.pending_events) for a in story)
        app.adapters.keys.create_keys([a.id for a in batch if isinstance(a, Candidate)])
        app.store.save(*batch)
        recorded += pending
    return recorded


def record_long_history(app: Any, events: int, by: Actor) -> tuple[UUID, datetime]:
    """One candidate with `events` events (its own and its opportunity's); returns its id and
    a moment halfway through its history, for ?as_of=."""
    cid = Candidate.create_id()
    app.adapters.keys.create_key(cid)
    candidate = Candidate(personal=Personal(cid, _profile(0)), tags=[], sources=["Referral"],
                          origin="referred", by=by, id=cid)
    opportunity = Opportunity(candidate_id=cid, posting_id=None, owner_id=by.user_id,
                              stage="new_lead", origin="referred", sources=["Referral"], tags=[],
                              by=by)
    written = 2
    halfway: datetime | None = None
    i = 0
    while written < events:
        if i % 2:
            opportunity.change_stage(stage=STAGES[i % len(STAGES)], by=by)
        elif i % 4:
            candidate.untag(tag="keep-warm", by=by)
        else:
            candidate.tag(tag="keep-warm", by=by)
        written += 1
        i += 1
        if written % EVENTS_PER_SAVE == 0 or written == events:
            app.store.save(candidate, opportunity)
            if halfway is None and written >= events // 2:
                halfway = datetime.now(UTC)
    return cid, halfway or datetime.now(UTC)


def write_spreadsheet(path: Path, rows: int) -> Path:
    """An .xlsx with a header row and `rows` distinct people (openpyxl write-only: flat memory)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Candidates")
    sheet.append(["Name", "Email", "Phone", "Tags", "Source", "Location"])
    for n in range(rows):
        sheet.append([f"Imported Person {n}", f"import{n}@example.com",
                      f"+44 20 7000 {n % 10000:04d}", "python,remote", "Career fair",
                      "Manchester"])
    book.save(path)
    return path


def record_candidate(app: Any, n: int, by: Actor) -> UUID:
    """One CandidateCreated in its own commit (the write a steady event stream is made of)."""
    cid = Candidate.create_id()
    app.adapters.keys.create_key(cid)
    app.store.save(Candidate(personal=Personal(cid, _profile(n)), tags=[], sources=["Career fair"],
                       origin="sourced", by=by, id=cid))
    return cid
