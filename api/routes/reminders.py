"""Reminders recruiters set on candidates, and the notifications users receive (a reminder
fallen due, a rule's `notify`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from marshmallow import fields, validate

from api import responses
from api.app import (
    command_response,
    created_response,
    found,
    listed,
    location,
    pool,
    rekindle,
    wait_for,
)
from api.auth import READERS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.fields import Id, Text
from api.idempotency import idempotent
from api.schemas import PageArgs, ReadArgs, Strict
from domain import access
from domain.reminder import REMINDER_STATES
from projections import crm_queries as q

blp = Blueprint("reminders", __name__, url_prefix="/v1",
                description="Reminders and notifications")


class ReminderCreate(Strict):
    due_at = fields.AwareDateTime(required=True)
    note = Text(required=True)
    assignee_id = Id(allow_none=True)


class ReminderListArgs(PageArgs):
    assignee_id = Id()
    candidate_id = Id()
    due_before = fields.AwareDateTime()
    status = Text(validate=validate.OneOf(REMINDER_STATES))


class NotificationListArgs(PageArgs):
    recipient_id = Id()


@blp.route("/candidates/<uuid:candidate_id>/reminders", methods=["POST"])
@responses.command(blp, 201, responses.Reminder)
@requires(*RECRUITERS)
@blp.arguments(ReminderCreate)
@idempotent()
@conditional
def set_reminder(args: dict[str, Any], candidate_id: UUID,
                 expected_version: int | None) -> Response:
    """`If-Match` holds the candidate's version."""
    recorded = rekindle().reminders.set(candidate_id, args["due_at"], args["note"],
                                          current_actor(), assignee_id=args.get("assignee_id"),
                                          expected_version=expected_version)
    return created_response(recorded, responses.Reminder,
                            lambda: q.get_reminder(pool(), recorded.id), views=q.VIEWS,
                            created_at=location("reminders.get_reminder",
                                                reminder_id=recorded.id))


@blp.route("/reminders/<uuid:reminder_id>", methods=["GET"])
@responses.read(blp, responses.Reminder)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_reminder(args: dict[str, Any], reminder_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Reminder, q.get_reminder(pool(), reminder_id, current_actor()),
                 "reminder", reminder_id)


@blp.route("/reminders", methods=["GET"])
@responses.read(blp, responses.ReminderPage)
@responses.answers(403)
@requires(*READERS)
@blp.arguments(ReminderListArgs, location="query")
def list_reminders(args: dict[str, Any]) -> Response:
    """A limited team member lists only their own (another `assignee_id`: 403)."""
    wait_for(args.get("min_position"), q.VIEWS)
    viewer = current_actor()
    return listed(responses.Reminder, q.list_reminders(
        pool(), viewer, assignee_id=access.addressed_to(viewer, args.get("assignee_id")),
        candidate_id=args.get("candidate_id"),
        due_before=args.get("due_before"), status=args.get("status"), limit=args["limit"],
        cursor=args.get("cursor")))


@blp.route("/reminders/<uuid:reminder_id>/dismiss", methods=["POST"])
@responses.command(blp, 200, responses.Reminder)
@requires(*RECRUITERS)
def dismiss_reminder(reminder_id: UUID) -> Response:
    recorded = rekindle().reminders.dismiss(reminder_id, current_actor())
    return command_response(recorded, {"id": str(reminder_id), "status": "dismissed"})


@blp.route("/notifications", methods=["GET"])
@responses.read(blp, responses.NotificationPage)
@responses.answers(403)
@requires(*READERS)
@blp.arguments(NotificationListArgs, location="query")
def list_notifications(args: dict[str, Any]) -> Response:
    """A limited team member lists only their own (another `recipient_id`: 403)."""
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Notification, q.list_notifications(
        pool(), recipient_id=access.addressed_to(current_actor(), args.get("recipient_id")),
        limit=args["limit"], cursor=args.get("cursor")))
