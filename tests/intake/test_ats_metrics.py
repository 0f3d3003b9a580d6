"""rekindle_ats_deliveries_total counts each recorded outcome once, by status."""

from __future__ import annotations

from typing import Any

from consumers.messages import Message
from tests.api.conftest import candidate, opportunity
from tests.api.test_metrics import scrape, value
from tests.intake.test_ats import deliver


def deliveries(api: Any, status: str) -> float:
    return value(scrape(api), "rekindle_ats_deliveries_total", status=status) or 0.0


def sent(api: Any) -> Message:
    opportunity_id = opportunity(api, candidate(api))
    response = api.post(f"/v1/opportunities/{opportunity_id}/send-to-ats")
    assert response.status_code == 202, response.get_json()
    app = api.runtime.rekindle
    position = int(response.headers["X-Rekindle-Position"])
    notification = app.store.recorder.select_notifications(start=position, limit=1)[0]
    return Message.from_event(app.store.mapper.to_domain_event(notification), position)


def test_each_recorded_outcome_is_counted_once(api: Any, fake_ats: Any) -> None:
    delivered, failed = deliveries(api, "delivered"), deliveries(api, "failed")
    message = sent(api)
    deliver(api, message)
    deliver(api, message)  # a redelivery: nothing sent, nothing recorded, nothing counted
    assert len(fake_ats.applications) == 1
    assert deliveries(api, "delivered") == delivered + 1

    fake_ats.fail_next = 10
    deliver(api, sent(api))
    assert deliveries(api, "failed") == failed + 1
    assert deliveries(api, "delivered") == delivered + 1
