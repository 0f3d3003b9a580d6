"""Opportunities: new ones for a posting or general, copying, archiving, files."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from flask import Response, make_response, request
from marshmallow import ValidationError as MarshmallowError

from api import responses
from api.app import (
    command_response,
    created_response,
    found,
    location,
    pool,
    rekindle,
    runtime,
    wait_for,
)
from api.auth import READERS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.conditional import conditional
from api.errors import ApiError, flatten
from api.idempotency import idempotent
from api.rendering import render
from api.schemas import (
    Archive,
    Convert,
    Empty,
    FileForm,
    FileUpload,
    OpportunityCreate,
    ReadArgs,
    Referral,
    Stage,
    Tags,
)
from domain.errors import ValidationFailed
from projections import queries

blp = Blueprint("opportunities", __name__, url_prefix="/v1", description="Opportunities")

UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _read(opportunity_id: UUID) -> Any:
    return lambda: queries.get_opportunity(pool(), opportunity_id, current_actor())


def _changed(recorded: Any, opportunity_id: UUID) -> Response:
    return created_response(recorded, responses.Opportunity, _read(opportunity_id), 200,
                            views=queries.VIEWS)


@blp.route("/candidates/<uuid:candidate_id>/opportunities", methods=["POST"])
@responses.command(blp, 201, responses.Opportunity)
@requires(*RECRUITERS)
@blp.arguments(OpportunityCreate)
@idempotent()
@conditional
def add_opportunity(args: dict[str, Any], candidate_id: UUID,
                    expected_version: int | None) -> Response:
    """For a posting (published or internal) or general; may copy from and archive another.

    `If-Match` holds the candidate's version."""
    recorded = rekindle().opportunities.add(candidate_id, current_actor(),
                                            expected_version=expected_version, **args)
    return created_response(recorded, responses.Opportunity, _read(recorded.id),
                            views=queries.VIEWS, created_at=opportunity_url(recorded.id))


def opportunity_url(opportunity_id: UUID) -> str:
    return location("opportunities.get_opportunity", opportunity_id=opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>", methods=["GET"])
@responses.read(blp, responses.Opportunity, etag=True)
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
def get_opportunity(args: dict[str, Any], opportunity_id: UUID) -> Response:
    wait_for(args.get("min_position"), queries.VIEWS)
    return found(responses.Opportunity,
                 queries.get_opportunity(pool(), opportunity_id, current_actor()),
                 "opportunity", opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/archive", methods=["POST"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@blp.arguments(Archive)
@conditional
def archive(args: dict[str, Any], opportunity_id: UUID,
            expected_version: int | None) -> Response:
    recorded = rekindle().opportunities.archive(opportunity_id, args["reason"],
                                                 current_actor(),
                                                 expected_version=expected_version)
    return _changed(recorded, opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/unarchive", methods=["POST"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@blp.arguments(Empty)
@conditional
def unarchive(args: dict[str, Any], opportunity_id: UUID,
              expected_version: int | None) -> Response:
    recorded = rekindle().opportunities.unarchive(opportunity_id, current_actor(),
                                                   expected_version=expected_version)
    return _changed(recorded, opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/convert", methods=["POST"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@blp.arguments(Convert)
@conditional
def convert(args: dict[str, Any], opportunity_id: UUID,
            expected_version: int | None) -> Response:
    recorded = rekindle().opportunities.convert(opportunity_id, args["posting_id"],
                                                 current_actor(),
                                                 expected_version=expected_version)
    return _changed(recorded, opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/stage", methods=["POST"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@blp.arguments(Stage)
@conditional
def change_stage(args: dict[str, Any], opportunity_id: UUID,
                 expected_version: int | None) -> Response:
    recorded = rekindle().opportunities.change_stage(opportunity_id, args["stage"],
                                                      current_actor(),
                                                      expected_version=expected_version)
    return _changed(recorded, opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/tags", methods=["POST"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@blp.arguments(Tags)
@conditional
def add_tags(args: dict[str, Any], opportunity_id: UUID,
             expected_version: int | None) -> Response:
    recorded = rekindle().opportunities.add_tags(opportunity_id, args["tags"], current_actor(),
                                                  expected_version=expected_version)
    return _changed(recorded, opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/tags/<string:tag>", methods=["DELETE"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@conditional
def remove_tag(opportunity_id: UUID, tag: str, expected_version: int | None) -> Response:
    recorded = rekindle().opportunities.remove_tag(opportunity_id, tag, current_actor(),
                                                    expected_version=expected_version)
    return _changed(recorded, opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/referral", methods=["POST"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@blp.arguments(Referral)
@conditional
def record_referral(args: dict[str, Any], opportunity_id: UUID,
                    expected_version: int | None) -> Response:
    recorded = rekindle().opportunities.record_referral(
        opportunity_id, args["referrer_id"], current_actor(),
        relationship=args.get("relationship"), notes=args.get("notes"),
        expected_version=expected_version)
    return _changed(recorded, opportunity_id)


@blp.route("/opportunities/<uuid:opportunity_id>/files", methods=["POST"])
@responses.command(blp, 201, responses.FileAttached)
@requires(*RECRUITERS)
@blp.arguments(FileUpload, location="files")
@idempotent()
@conditional
def attach_file(files: dict[str, Any], opportunity_id: UUID,
                expected_version: int | None) -> Response:
    """Multipart `file`, `secret`, `kind`; secret files only by admins, never copied."""
    try:
        form = FileForm().load(request.form.to_dict())
    except MarshmallowError as error:
        raise ValidationFailed("the request has invalid fields",
                               flatten(error.normalized_messages())) from None
    upload = files["file"]
    limit = runtime().settings.max_file_bytes
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise ApiError("payload_too_large", f"the file is larger than {limit} bytes",
                       {"max_bytes": limit})
    name = upload.filename or ""
    if not name:
        raise ValidationFailed.field("file", "needs a file name")
    recorded = rekindle().files.attach(
        opportunity_id, name, content, upload.mimetype or "application/octet-stream",
        current_actor(), secret=form["secret"], kind=form["kind"],
        expected_version=expected_version)
    return command_response(recorded, render(responses.FileAttached, recorded.extra["file"]),
                            201, created_at=location("opportunities.read_file",
                                                     opportunity_id=opportunity_id,
                                                     file_id=recorded.extra["file_id"]))


@blp.route("/opportunities/<uuid:opportunity_id>/files/<uuid:file_id>", methods=["GET"])
@responses.read(blp, responses.BINARY, content_type="*/*")
@requires(*READERS)
def read_file(opportunity_id: UUID, file_id: UUID) -> Response:
    """The bytes, as an attachment (never rendered inline)."""
    meta, content = rekindle().files.read(opportunity_id, file_id, current_actor())
    response = make_response(content)
    response.headers["Content-Type"] = meta.get("content_type") or "application/octet-stream"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{safe_filename(meta.get("name"))}"')
    return response


@blp.route("/opportunities/<uuid:opportunity_id>/files/<uuid:file_id>", methods=["DELETE"])
@responses.command(blp, 200, responses.Opportunity)
@requires(*RECRUITERS)
@conditional
def remove_file(opportunity_id: UUID, file_id: UUID,
                expected_version: int | None) -> Response:
    recorded = rekindle().files.remove(opportunity_id, file_id, current_actor(),
                                       expected_version=expected_version)
    return _changed(recorded, opportunity_id)


def safe_filename(name: str | None) -> str:
    """ASCII letters, digits, dot, dash, underscore and space only; never empty or hidden."""
    cleaned = UNSAFE_FILENAME.sub("_", name or "").strip(" .")[:150]
    return cleaned or "file"


