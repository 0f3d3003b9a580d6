"""The erasure record for auditors and admins: GET /v1/audit/erasures (read.erasures)."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import validate

from api import responses
from api.app import listed, pool, wait_for
from api.auth import requires
from api.blueprint import Blueprint
from api.fields import Text
from api.schemas import PageArgs
from domain.access import OVERSEERS
from projections.erasures import REASONS, STATUSES, list_erasures

blp = Blueprint("gdpr_audit", __name__, url_prefix="/v1/audit",
                description="GDPR erasure record (no personal data)")


class ErasureListArgs(PageArgs):
    status = Text(validate=validate.OneOf(STATUSES))
    reason = Text(validate=validate.OneOf(REASONS))


@blp.route("/erasures", methods=["GET"])
@responses.read(blp, responses.ErasurePage)
@requires(*OVERSEERS)
@blp.arguments(ErasureListArgs, location="query")
def erasure_record(args: dict[str, Any]) -> Response:
    """Who asked for each erasure, when, why, and who carried it out; oldest first."""
    wait_for(args.get("min_position"))
    return listed(responses.Erasure, list_erasures(
        pool(), status=args.get("status"), reason=args.get("reason"), limit=args["limit"],
        cursor=args.get("cursor")))
