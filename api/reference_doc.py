"""The reference part of docs/API.md, rendered from the OpenAPI document the service serves:
one table row per operation, so the written contract names every operation the service has,
with the statuses and headers the document gives it (tests/api/test_api_md.py compares).

`rekindle openapi --write docs/API.md` renders it into the file, between its markers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

BEGIN = "<!-- reference: rendered by `rekindle openapi --write docs/API.md`; edit the routes -->"
END = "<!-- end of reference -->"
METHODS = ("get", "post", "put", "patch", "delete")


def served_document() -> dict[str, Any]:
    """The OpenAPI document, made from the routes alone (no database is opened)."""
    from api.app import create_app
    from domain.settings import Settings

    class RoutesOnly:
        settings = Settings.from_env()

    return create_app(RoutesOnly()).test_client().get("/v1/openapi.json").get_json()


def reference(document: dict[str, Any]) -> str:
    """The operations by tag, each with who may call it, what it answers and what it reads."""
    by_tag: dict[str, list[str]] = defaultdict(list)
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            by_tag[(operation.get("tags") or ["other"])[0]].append(_row(method, path, operation))
    out = [BEGIN, "", "## Reference", "",
           "Every operation of the OpenAPI document (`GET /v1/openapi.json`, browsable at "
           "`GET /v1/docs`), with the roles that may call it, its success and error statuses, "
           "and the query parameters and headers it reads. Error bodies are always "
           "`{error, message, details}`.", ""]
    for tag in sorted(by_tag):
        out += [f"### {tag}", "", "| operation | summary | roles | success | errors | reads |",
                "|---|---|---|---|---|---|", *by_tag[tag], ""]
    out.append(END)
    return "\n".join(out) + "\n"


def _row(method: str, path: str, operation: dict[str, Any]) -> str:
    statuses = sorted(s for s in operation["responses"] if s != "default")
    success = " ".join(s for s in statuses if s.startswith(("1", "2", "3")))
    errors = " ".join(s for s in statuses if s.startswith(("4", "5")))
    roles = ", ".join(operation.get("x-rekindle-roles") or []) or "public"
    reads = [f"`{p['name']}`" for p in operation.get("parameters", [])
             if p["in"] in ("query", "header")]
    return (f"| `{method.upper()} {path}` | {operation.get('summary', '')} | {roles} | "
            f"{success} | {errors} | {', '.join(reads)} |")


def with_reference(text: str, document: dict[str, Any]) -> str:
    """`text` (docs/API.md) with its reference part rendered anew (appended if missing)."""
    if BEGIN in text:
        before, _, rest = text.partition(BEGIN)
        _, _, after = rest.partition(END)
        return before + reference(document) + after.lstrip("\n")
    return text.rstrip("\n") + "\n\n" + reference(document)
