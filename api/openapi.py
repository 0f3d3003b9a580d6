"""The OpenAPI document's contract, derived from what each route declares.

A route says who may call it (`requires`), what it reads (`blp.arguments`), whether a retry
with the same `Idempotency-Key` replays it (`idempotent`), whether it writes only on a version
(`conditional`), and any other error status (`responses.answers`). From that alone every
operation gets its operationId and summary, its security requirement (none for public
ones), the headers it reads and each error status it can answer, in Rekindle's error shape.
api/blueprint.py collects the declarations; `prepare_operation` writes them into the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.boundary import media_types, query_names
from api.conditional import IF_MATCH
from api.idempotency import HEADER as IDEMPOTENCY_KEY
from api.responses.base import Error
from domain.access import READERS

ACRONYMS = {"ats": "ATS", "id": "id"}
IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_KEY, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "a repeat with the same key and body answers the first answer again and "
                   "records nothing; the same key with another body is 422 "
                   "`idempotency_key_reused` (keys are kept 24 hours, per user)"}
IF_MATCH_PARAMETER = {
    "in": "header", "name": IF_MATCH, "required": False, "schema": {"type": "string"},
    "description": 'the ETag of the resource the path names, as its GET gave it ("<version>"):'
                   " the write is made only on that version, else 412 `precondition_failed` "
                   "and nothing is recorded; `*` or no header: any version"}


def facts_of(view: Any, rule: str, *, page: bool = False) -> dict[str, Any]:
    """What a route declares, as plain data (the blueprint deep-copies its docs)."""
    roles = getattr(view, "_rekindle_roles", None)
    return {"name": view.__name__, "page": page,
            "roles": sorted(roles) if roles is not None else None,
            "idempotent": bool(getattr(view, "_rekindle_idempotent", False)),
            "conditional": bool(getattr(view, "_rekindle_conditional", False)),
            "answers": [list(a) if isinstance(a, tuple) else [a, None]
                        for a in getattr(view, "_rekindle_answers", ())],
            "names_a_resource": "<" in rule}


def error_statuses(facts: Mapping[str, Any], method: str, media: set[str],
                   query: set[str]) -> dict[int, str]:
    """Each error status the operation can answer, with the codes it answers it with."""
    public, write = facts["roles"] is None, method != "get"
    statuses = {422: "`validation_error` (`details` names each offending field or query "
                     "parameter; unknown ones are refused too), or a refusal of the domain's "
                     "rules (its own code)"}
    if not public:
        statuses[401] = "`unauthorized`: no valid bearer token"
        statuses[429] = ("`rate_limited`: too many failed authentications from this address "
                         "(a valid token is never refused); see `Retry-After`")
        if write or set(facts["roles"]) != set(READERS):
            statuses[403] = "`forbidden`: the caller's role may not do this"
    if facts["names_a_resource"]:
        statuses[404] = ("`not_found`: no such id, one outside the caller's scope, or an id "
                         "that is not a UUID")
    if write:
        statuses[409] = ("`version_conflict`: the record changed while the command ran "
                         "(retry); `gdpr_blocked`: the candidate's erasure forbids it")
        if facts["idempotent"]:
            statuses[409] += "; `idempotency_in_progress`: a request with this key still runs"
    if facts["conditional"]:
        statuses[412] = ("`precondition_failed`: `If-Match` names a version that no longer "
                         "holds; read the resource again")
    if media:
        statuses[413] = "`payload_too_large`: the body is larger than allowed"
        statuses[415] = ("`unsupported_media_type`: the body is not "
                         + " or ".join(f"`{m}`" for m in sorted(media)))
    if "application/json" in media:
        statuses[400] = "`bad_request`: the body is not valid JSON in UTF-8"
    if not public or write or "min_position" in query:
        statuses[503] = "`unavailable`: the database is not reachable; retry"
        if "min_position" in query:
            statuses[503] += ("; `projection_lagging`: the read models have not reached "
                              "`min_position` within the wait (`Retry-After`)")
    for status, description in facts["answers"]:
        statuses[status] = (description or statuses.get(status)
                            or _DECLARED.get(status, "see `error` and `message`"))
    return statuses


_DECLARED = {401: "`unauthorized`: the request is not authenticated",
             403: "`forbidden`: the caller may not do this",
             429: "`rate_limited`: too many requests from this address; see `Retry-After`"}


def summary_of(name: str) -> str:
    words = [ACRONYMS.get(w, w) for w in name.split("_")]
    return " ".join([words[0].capitalize(), *words[1:]])


def prepare_operation(doc: dict[str, Any], doc_info: dict[str, Any], *, api: Any, app: Any,
                      spec: Any, method: str) -> dict[str, Any]:
    """flask-smorest's doc callback: runs last, with what `facts_of` stored for the route."""
    facts = doc_info.get("rekindle")
    if facts is None:
        return doc
    body = set((doc.get("requestBody") or {}).get("content") or {})  # the arguments' own
    media, query = body | media_types(doc_info), query_names(doc_info)
    doc["operationId"] = facts["name"]
    docstring = doc_info.get("docstring") or {}
    told = "\n\n".join(t for t in (docstring.get("summary"), docstring.get("description")) if t)
    who = ("Public: no token." if facts["roles"] is None
           else "Roles: " + ", ".join(f"`{r}`" for r in facts["roles"]) + ".")
    doc_info["docstring"] = {"summary": summary_of(facts["name"]),
                             "description": f"{told}\n\n{who}" if told else who}
    doc["security"] = [] if facts["roles"] is None else [{"bearer": []}]
    doc["x-rekindle-roles"] = facts["roles"] or []  # machine-readable: docs/API.md's table
    parameters = doc.setdefault("parameters", [])
    if facts["idempotent"]:
        parameters.append(dict(IDEMPOTENCY_PARAMETER))
    if facts["conditional"]:
        parameters.append(dict(IF_MATCH_PARAMETER))
    if not parameters:
        del doc["parameters"]
    responses = doc.setdefault("responses", {})
    if facts["page"]:  # a person's page: its errors are pages, as it documents them
        doc["x-rekindle-page"] = True
        return doc
    present = {str(status) for status in responses}
    for status, codes in sorted(error_statuses(facts, method, media, query).items()):
        if str(status) in present and status != 422:
            continue
        responses.pop(status, None)
        responses.pop(str(status), None)
        responses[status] = {"description": codes,
                             "content": {"application/json": {"schema": Error}}}
    return doc
