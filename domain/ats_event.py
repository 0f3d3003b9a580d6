"""An event received from the applicant tracking system, recorded once by its event id.

The aggregate's id is derived from the ATS's event id, so a replayed event collides on
creation and its effects, saved in the same transaction, are never recorded twice.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor

ATS_EVENT_NAMESPACE = UUID("7b1d2c8e-4f0a-4b61-9d7e-2a5c3e9f8b40")


class AtsEvent(Aggregate):
    @staticmethod
    def id_for(ats_event_id: str) -> UUID:
        return uuid5(ATS_EVENT_NAMESPACE, ats_event_id)

    @event("AtsEventReceived")
    def __init__(self, id: UUID, ats_event_id: str, type: str, candidate_id: UUID,
                 candidate_created: bool, silver_medallist: bool,
                 opportunity_id: UUID | None, by: Actor) -> None:
        self.ats_event_id = ats_event_id
        self.type = type
        self.candidate_id = candidate_id
        self.candidate_created = candidate_created
        self.silver_medallist = silver_medallist
        self.opportunity_id = opportunity_id
