"""ATS sync over real HTTP and real PostgreSQL: signed inbound events (silver medallists,
replays, bad signatures, malformed messages) and outbound applications to a fake ATS that
answers, fails, or hangs."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

import pytest

from consumers.ats import AtsSender, handle_ats_message, sign
from consumers.messages import Message
from domain.candidate import Candidate
from domain.opportunity import Opportunity
from tests.intake.conftest import ATS_SECRET


def ats_event(**overrides: Any) -> dict[str, Any]:
    event = {
        "event_id": "evt-1",
        "type": "application.rejected",
        "occurred_at": "2026-05-01T10:00:00+00:00",
        "candidate": {"external_id": "gh-42", "name": "Rita Levi", "email": "rita@example.com",
                      "phone": "+39 555 1234"},
        "job": {"external_id": "job-7", "title": "Neurologist"},
        "rejection_reason": "position_filled",
        "last_stage": "final_interview",
    }
    event.update(overrides)
    return event


def post_signed(api, event: Any, secret: str = ATS_SECRET, prefix: str = "sha256=",
                raw: bytes | None = None) -> Any:
    body = raw if raw is not None else json.dumps(event).encode()
    return api.client.post("/v1/ats/events", data=body, content_type="application/json",
                           headers={"X-Rekindle-Signature": prefix + sign(secret, body)})


def test_signed_rejection_after_a_late_stage_makes_a_findable_silver_medallist(api):
    response = post_signed(api, ats_event())
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["created"] is True and body["silver_medallist"] is True
    position = response.headers["X-Rekindle-Position"]

    found = api.get(f"/v1/candidates?archive_reason=position_filled&min_position={position}")
    assert found.status_code == 200, found.get_json()
    items = found.get_json()["items"]
    assert [i["id"] for i in items] == [body["candidate_id"]]
    profile = api.get(f"/v1/candidates/{body['candidate_id']}?min_position={position}").get_json()
    assert "silver-medallist" in profile["tags"]
    assert profile["sources"] == ["ATS import"]
    assert profile["emails"] == ["rita@example.com"]


def test_matching_by_external_id_then_email_and_unknown_reasons(api):
    app = api.runtime.rekindle
    first = post_signed(api, ats_event(type="application.hired", rejection_reason=None,
                                       last_stage=None)).get_json()
    renamed = ats_event(event_id="evt-2", rejection_reason="budget_cut",
                        candidate={"external_id": "gh-42", "name": "Rita L.",
                                   "email": "other@example.com"})
    second = post_signed(api, renamed).get_json()
    assert second["candidate_id"] == first["candidate_id"] and second["created"] is False
    opportunity = app.store.load(Opportunity, UUID(second["opportunity_id"]))
    assert opportunity.archived["reason"] == "other" and opportunity.general

    by_email = api.post("/v1/candidates", {"name": "Ann Lee", "emails": ["ann@example.com"]})
    early = ats_event(event_id="evt-3", last_stage="phone_interview", rejection_reason="timing",
                      candidate={"external_id": "gh-99", "name": "Ann Lee",
                                 "email": "ANN@example.com"})
    third = post_signed(api, early).get_json()
    assert third["candidate_id"] == by_email.get_json()["id"]
    assert third["silver_medallist"] is False and third["opportunity_id"] is None
    assert app.store.load(Candidate, UUID(third["candidate_id"])).external_ids == {"ats": "gh-99"}


def test_replayed_event_is_ignored_and_records_nothing(api):
    assert post_signed(api, ats_event()).status_code == 202
    before = api.runtime.rekindle.store.recorder.max_notification_id()
    replay = post_signed(api, ats_event(), prefix="")
    assert replay.status_code == 200
    assert replay.get_json()["status"] == "duplicate"
    assert api.runtime.rekindle.store.recorder.max_notification_id() == before


@pytest.mark.parametrize("secret, prefix", [("wrong-secret", "sha256="), (ATS_SECRET, "md5=")])
def test_bad_signature_is_401(api, secret, prefix):
    before = api.runtime.rekindle.store.recorder.max_notification_id()
    response = post_signed(api, ats_event(), secret=secret, prefix=prefix)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    missing = api.client.post("/v1/ats/events", json=ats_event())
    assert missing.status_code == 401
    assert api.runtime.rekindle.store.recorder.max_notification_id() == before


def test_malformed_message_is_422_naming_the_fields(api):
    response = post_signed(api, ats_event(type="application.lost",
                                          candidate={"external_id": "x", "name": "N",
                                                     "email": "not-an-email"}))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "validation_error"
    assert set(body["details"]) == {"type", "candidate.email"}
    assert "not-an-email" not in json.dumps(body["details"])


def test_kafka_entry_point_handles_and_refuses(api):
    handle_ats_message(json.dumps(ats_event(event_id="k-1")).encode(), api.runtime)
    assert api.runtime.rekindle.candidates.find_by_email("rita@example.com") is not None
    with pytest.raises(ValueError, match="not JSON"):
        handle_ats_message(b"{nope", api.runtime)
    with pytest.raises(ValueError, match="malformed"):
        handle_ats_message(json.dumps({"event_id": "k-2"}).encode(), api.runtime)


# --- outbound --------------------------------------------------------------------------------


def sent_opportunity(api) -> tuple[str, Message]:
    """A candidate with a general opportunity, sent to the ATS over HTTP; the send event."""
    candidate = api.post("/v1/candidates", {"name": "Max Born", "emails": ["max@example.com"]})
    candidate_id = candidate.get_json()["id"]
    opportunity = api.post(f"/v1/candidates/{candidate_id}/opportunities", {"general": True})
    opportunity_id = opportunity.get_json()["id"]
    response = api.post(f"/v1/opportunities/{opportunity_id}/send-to-ats")
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["ats"]["status"] == "pending"
    app = api.runtime.rekindle
    position = int(response.headers["X-Rekindle-Position"])
    notification = app.store.recorder.select_notifications(start=position, limit=1)[0]
    event = app.store.mapper.to_domain_event(notification)
    return opportunity_id, Message.from_event(event, position)


def deliver(api, message: Message) -> Opportunity:
    AtsSender().handle(message, api.runtime, "ats")
    return api.runtime.rekindle.store.load(Opportunity, message.aggregate_id)


def test_send_to_ats_creates_one_application_and_links_the_candidate(api, fake_ats):
    opportunity_id, message = sent_opportunity(api)
    opportunity = deliver(api, message)

    assert opportunity.ats["status"] == "sent"
    assert opportunity.ats["external_id"] == "app-2"
    [request] = fake_ats.requests
    assert request["path"] == "/v1/candidates"
    assert request["body"]["email_addresses"] == [{"value": "max@example.com",
                                                   "type": "personal"}]
    assert request["body"]["applications"][0]["external_reference"] == opportunity_id
    candidate = api.runtime.rekindle.store.load(Candidate, opportunity.candidate_id)
    assert candidate.external_ids == {"ats": "cand-1"}
    shown = api.get(f"/v1/opportunities/{opportunity_id}?min_position="
                    f"{api.runtime.rekindle.store.recorder.max_notification_id()}").get_json()
    assert shown["ats"] == {"status": "sent", "external_id": "app-2", "last_error": None}

    deliver(api, message)
    assert len(fake_ats.requests) == 1


def test_retries_after_two_failures_with_one_application(api, fake_ats):
    fake_ats.fail_next = 2
    _, message = sent_opportunity(api)
    opportunity = deliver(api, message)

    assert opportunity.ats["status"] == "sent"
    assert len(fake_ats.requests) == 3
    assert len({r["idempotency_key"] for r in fake_ats.requests}) == 1
    assert len(fake_ats.applications) == 1


def test_final_failure_after_max_attempts(api, fake_ats):
    fake_ats.fail_next = 10
    opportunity_id, message = sent_opportunity(api)
    opportunity = deliver(api, message)

    assert len(fake_ats.requests) == 3
    assert opportunity.ats == {"status": "failed", "external_id": None,
                               "last_error": "HTTP 503 after 3 attempts"}
    assert fake_ats.applications == {}
    again = api.post(f"/v1/opportunities/{opportunity_id}/send-to-ats")
    assert again.status_code == 202


def test_a_hanging_ats_times_out(api, fake_ats):
    fake_ats.hang = True
    _, message = sent_opportunity(api)
    started = time.monotonic()
    opportunity = deliver(api, message)

    assert time.monotonic() - started < 5
    assert opportunity.ats["status"] == "failed"
    assert opportunity.ats["last_error"] == "timed out after 0.5 s after 3 attempts"


def test_auditor_may_not_send_and_resend_while_pending_is_refused(api):
    opportunity_id, _ = sent_opportunity(api)
    assert api.post(f"/v1/opportunities/{opportunity_id}/send-to-ats").status_code == 422
    _, auditor = api.new_user("auditor")
    assert auditor.post(f"/v1/opportunities/{opportunity_id}/send-to-ats").status_code == 403


def test_in_process_worker_delivers_a_sent_application(api, fake_ats):
    from consumers.workers import start_in_process

    workers = start_in_process(api.runtime, ["ats"], scheduler=False)
    try:
        opportunity_id, message = sent_opportunity(api)
        api.runtime.rekindle.store.recorder.wait("ats", message.position, timeout=20)
    finally:
        workers.stop()
    position = api.runtime.rekindle.store.recorder.max_notification_id()
    shown = api.get(f"/v1/opportunities/{opportunity_id}?min_position={position}").get_json()
    assert shown["ats"]["status"] == "sent"
    assert len(fake_ats.applications) == 1


def test_an_event_id_that_is_not_a_string_is_refused_and_nothing_recorded(api):
    before = api.runtime.rekindle.store.head()
    for event_id in (5, 5.0, True, ["e-1"], {"id": "e-1"}):
        answer = post_signed(api, ats_event(event_id=event_id))
        assert answer.status_code == 422, (event_id, answer.get_json())
        assert "event_id" in answer.get_json()["details"]
    assert api.runtime.rekindle.store.head() == before
