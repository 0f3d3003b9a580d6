"""CRM routes: pools, automation rules, talent forms, reminders, notifications, campaigns,
and putting known candidates forward for a new posting."""

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
    pool,
    rekindle,
    runtime,
    wait_for,
)
from api.auth import (
    ADMINS,
    READERS,
    RECRUITERS,
    client_address,
    current_actor,
    requires,
)
from api.blueprint import Blueprint
from api.errors import ApiError
from api.fields import Flag, Id, Items, Object, Text
from api.idempotency import idempotent
from api.schemas import PageArgs, ReadArgs, Strict
from domain import access
from domain.errors import NotFound
from domain.reminder import REMINDER_STATES
from domain.rule import TRIGGERS
from projections import crm_queries as q
from projections.rate_limits import SharedLimiter

blp = Blueprint("crm", __name__, url_prefix="/v1", description="Talent CRM: pools, rules, "
                "talent forms, reminders, notifications, campaigns")

# --- schemas ------------------------------------------------------------------------------------


class PoolCreate(Strict):
    name = Text(required=True)
    description = Text(allow_none=True)


class PoolChange(Strict):
    name = Text()
    description = Text(allow_none=True)


class Members(Strict):
    candidate_ids = Items(Id(), required=True)


class RuleCreate(Strict):
    name = Text(required=True)
    trigger = Text(required=True)
    enabled = Flag(load_default=True)
    filter = Items(Object(), load_default=list)
    actions = Items(Object(), required=True)


class RuleChange(Strict):
    name = Text()
    trigger = Text()
    enabled = Flag()
    filter = Items(Object())
    actions = Items(Object())


class RuleListArgs(PageArgs):
    trigger = Text(validate=validate.OneOf(TRIGGERS))


class FormCreate(Strict):
    title = Text(required=True)
    pool_id = Id(allow_none=True)
    consent_text = Text(allow_none=True)


class Submission(Strict):
    name = Text(required=True)
    email = Text(required=True)
    phone = Text(allow_none=True)
    interests = Items(Text(), load_default=list)
    consent = Flag(required=True)


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


class CampaignCreate(Strict):
    name = Text(required=True)
    subject = Text(required=True)
    body = Text(required=True)


class CampaignSend(Strict):
    candidate_ids = Items(Id())
    pool_id = Id()


class PutForward(Strict):
    candidate_ids = Items(Id(), required=True)


# --- pools --------------------------------------------------------------------------------------


@blp.route("/pools", methods=["POST"])
@responses.command(blp, 201, responses.Pool)
@requires(*RECRUITERS)
@blp.arguments(PoolCreate)
@idempotent(candidate_field=None)
def create_pool(args: dict[str, Any]) -> Response:
    recorded = rekindle().pools.create(args["name"], current_actor(),
                                         description=args.get("description"))
    return created_response(recorded, responses.Pool,
                            lambda: q.get_pool(pool(), recorded.id, current_actor()),
                            views=q.VIEWS)


@blp.route("/pools", methods=["GET"])
@responses.read(blp, responses.PoolPage)
@requires(*READERS)
@blp.arguments(PageArgs, location="query")
def list_pools(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Pool, q.list_pools(pool(), limit=args["limit"],
                                               cursor=args.get("cursor")))


@blp.route("/pools/<uuid:pool_id>", methods=["GET"])
@responses.read(blp, responses.Pool)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_pool(args: dict[str, Any], pool_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Pool, q.get_pool(pool(), pool_id, current_actor()), "pool", pool_id)


@blp.route("/pools/<uuid:pool_id>", methods=["PATCH"])
@responses.command(blp, 200, responses.Pool)
@requires(*RECRUITERS)
@blp.arguments(PoolChange)
def change_pool(args: dict[str, Any], pool_id: UUID) -> Response:
    recorded = rekindle().pools.change(pool_id, current_actor(), name=args.get("name"),
                                         description=args.get("description"))
    return created_response(recorded, responses.Pool,
                            lambda: q.get_pool(pool(), pool_id, current_actor()), 200,
                            views=q.VIEWS)


@blp.route("/pools/<uuid:pool_id>/members", methods=["POST"])
@responses.command(blp, 200, responses.MembersAdded)
@requires(*RECRUITERS)
@blp.arguments(Members)
def add_members(args: dict[str, Any], pool_id: UUID) -> Response:
    recorded = rekindle().pools.add_members(pool_id, args["candidate_ids"], current_actor())
    return command_response(recorded, {"id": str(pool_id),
                                       "added": [str(c) for c in args["candidate_ids"]]})


@blp.route("/pools/<uuid:pool_id>/members/<uuid:candidate_id>", methods=["DELETE"])
@responses.command(blp, 200, responses.MemberRemoved)
@requires(*RECRUITERS)
def remove_member(pool_id: UUID, candidate_id: UUID) -> Response:
    recorded = rekindle().pools.remove_member(pool_id, candidate_id, current_actor())
    return command_response(recorded, {"id": str(pool_id), "removed": str(candidate_id)})


@blp.route("/pools/<uuid:pool_id>/members", methods=["GET"])
@responses.read(blp, responses.PoolMemberPage)
@requires(*READERS)
@blp.arguments(PageArgs, location="query")
def list_members(args: dict[str, Any], pool_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    viewer = current_actor()
    if q.get_pool(pool(), pool_id, viewer) is None:
        raise NotFound(f"no pool with id {pool_id}", {"id": str(pool_id)})
    return listed(responses.PoolMember, q.pool_members(pool(), pool_id, viewer,
                                                       limit=args["limit"],
                                  cursor=args.get("cursor")))


# --- rules --------------------------------------------------------------------------------------


@blp.route("/rules", methods=["POST"])
@responses.command(blp, 201, responses.Rule)
@requires(*ADMINS)
@blp.arguments(RuleCreate)
@idempotent(candidate_field=None)
def create_rule(args: dict[str, Any]) -> Response:
    recorded = rekindle().rules.create(args["name"], args["trigger"], current_actor(),
                                         filter=args["filter"], actions=args["actions"],
                                         enabled=args["enabled"])
    return created_response(recorded, responses.Rule, lambda: q.get_rule(pool(), recorded.id),
                            views=q.VIEWS)


@blp.route("/rules", methods=["GET"])
@responses.read(blp, responses.RulePage)
@requires(*READERS)
@blp.arguments(RuleListArgs, location="query")
def list_rules(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Rule, q.list_rules(pool(), trigger=args.get("trigger"),
                                               limit=args["limit"],
                                cursor=args.get("cursor")))


@blp.route("/rules/<uuid:rule_id>", methods=["GET"])
@responses.read(blp, responses.Rule)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_rule(args: dict[str, Any], rule_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Rule, q.get_rule(pool(), rule_id), "rule", rule_id)


@blp.route("/rules/<uuid:rule_id>", methods=["PATCH"])
@responses.command(blp, 200, responses.Rule)
@requires(*ADMINS)
@blp.arguments(RuleChange)
def change_rule(args: dict[str, Any], rule_id: UUID) -> Response:
    recorded = rekindle().rules.change(rule_id, current_actor(), **args)
    return created_response(recorded, responses.Rule, lambda: q.get_rule(pool(), rule_id), 200,
                            views=q.VIEWS)


# --- talent forms -------------------------------------------------------------------------------


@blp.route("/forms", methods=["POST"])
@responses.command(blp, 201, responses.Form)
@requires(*RECRUITERS)
@blp.arguments(FormCreate)
@idempotent(candidate_field=None)
def create_form(args: dict[str, Any]) -> Response:
    recorded = rekindle().forms.create(args["title"], current_actor(),
                                         pool_id=args.get("pool_id"),
                                         consent_text=args.get("consent_text"))
    return created_response(recorded, responses.Form, lambda: q.get_form(pool(), recorded.id),
                            views=q.VIEWS)


@blp.route("/forms/<uuid:form_id>", methods=["GET"])
@responses.read(blp, responses.Form)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_form(args: dict[str, Any], form_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Form, q.get_form(pool(), form_id), "form", form_id)


@blp.route("/forms/<uuid:form_id>/submissions", methods=["POST"])
@responses.command(blp, 202, responses.Status)
@blp.doc(security=[])
@blp.arguments(Submission)
def submit_form(args: dict[str, Any], form_id: UUID) -> Response:
    """Public (no token): a candidate fills in a talent form; rate-limited per address."""
    limiter = SharedLimiter(pool(), "form", runtime().settings.form_rate_limit_per_minute)
    if not limiter.admit(client_address()):
        raise ApiError("rate_limited", "too many form submissions from this address; wait a "
                       "minute", headers={"Retry-After": "60"})
    recorded = rekindle().forms.submit(form_id, args["name"], args["email"],
                                         consent=args["consent"], phone=args.get("phone"),
                                         interests=args["interests"])
    return command_response(recorded, {"status": "accepted"}, 202)


# --- reminders and notifications ----------------------------------------------------------------


@blp.route("/candidates/<uuid:candidate_id>/reminders", methods=["POST"])
@responses.command(blp, 201, responses.Reminder)
@requires(*RECRUITERS)
@blp.arguments(ReminderCreate)
@idempotent()
def set_reminder(args: dict[str, Any], candidate_id: UUID) -> Response:
    recorded = rekindle().reminders.set(candidate_id, args["due_at"], args["note"],
                                          current_actor(), assignee_id=args.get("assignee_id"))
    return created_response(recorded, responses.Reminder,
                            lambda: q.get_reminder(pool(), recorded.id), views=q.VIEWS)


@blp.route("/reminders", methods=["GET"])
@responses.read(blp, responses.ReminderPage)
@requires(*READERS)
@blp.arguments(ReminderListArgs, location="query")
def list_reminders(args: dict[str, Any]) -> Response:
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
@requires(*READERS)
@blp.arguments(NotificationListArgs, location="query")
def list_notifications(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Notification, q.list_notifications(pool(),
                                        recipient_id=access.addressed_to(
                                            current_actor(), args.get("recipient_id")),
                                        limit=args["limit"], cursor=args.get("cursor")))


# --- campaigns ----------------------------------------------------------------------------------


@blp.route("/campaigns", methods=["POST"])
@responses.command(blp, 201, responses.Campaign)
@requires(*RECRUITERS)
@blp.arguments(CampaignCreate)
@idempotent(candidate_field=None)
def create_campaign(args: dict[str, Any]) -> Response:
    recorded = rekindle().campaigns.create(args["name"], args["subject"], args["body"],
                                             current_actor())
    return created_response(recorded, responses.Campaign,
                            lambda: q.get_campaign(pool(), recorded.id), views=q.VIEWS)


@blp.route("/campaigns/<uuid:campaign_id>/send", methods=["POST"])
@responses.command(blp, 202, responses.CampaignSent)
@requires(*RECRUITERS)
@blp.arguments(CampaignSend)
@idempotent(candidate_field=None)
def send_campaign(args: dict[str, Any], campaign_id: UUID) -> Response:
    recorded = rekindle().campaigns.send(campaign_id, current_actor(),
                                           candidate_ids=args.get("candidate_ids"),
                                           pool_id=args.get("pool_id"))
    return command_response(recorded, {"id": str(campaign_id), **recorded.extra}, 202)


@blp.route("/campaigns/<uuid:campaign_id>", methods=["GET"])
@responses.read(blp, responses.Campaign)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_campaign(args: dict[str, Any], campaign_id: UUID) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return found(responses.Campaign, q.get_campaign(pool(), campaign_id), "campaign",
                 campaign_id)


@blp.route("/campaigns", methods=["GET"])
@responses.read(blp, responses.CampaignPage)
@requires(*READERS)
@blp.arguments(PageArgs, location="query")
def list_campaigns(args: dict[str, Any]) -> Response:
    wait_for(args.get("min_position"), q.VIEWS)
    return listed(responses.Campaign, q.list_campaigns(pool(), limit=args["limit"],
                                                       cursor=args.get("cursor")))


# --- a new position for known candidates --------------------------------------------------


@blp.route("/postings/<uuid:posting_id>/put-forward", methods=["POST"])
@responses.command(blp, 201, responses.PutForwardResult)
@requires(*RECRUITERS)
@blp.arguments(PutForward)
@idempotent(candidate_field=None)
def put_forward(args: dict[str, Any], posting_id: UUID) -> Response:
    """Creates one opportunity for the posting per candidate not already on it."""
    recorded = rekindle().opportunities.put_forward(args["candidate_ids"], posting_id,
                                                    current_actor())
    return command_response(recorded, {"posting_id": str(posting_id), **recorded.extra}, 201)
