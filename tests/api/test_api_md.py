"""docs/API.md cannot drift from the service: its reference is the one the served OpenAPI
document renders, and every route and status its written part names is in that document."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from api.reference_doc import BEGIN, reference

API_MD = Path(__file__).resolve().parents[2] / "docs" / "API.md"
ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE)\s+(/[^`\s]*)`")
STATUS = re.compile(r"→ ([1-5]\d\d)\b|\b([45]\d\d) `[a-z_]+`")
THE_DOCUMENT = ("get", "/v1/openapi.json")  # the document does not list itself


@pytest.fixture(scope="module")
def document(flask_app: Any) -> dict[str, Any]:
    return flask_app.test_client().get("/v1/openapi.json").get_json()


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], set[int]]:
    return {(method, _shape(path)): {int(s) for s in operation["responses"] if s != "default"}
            for path, item in document["paths"].items()
            for method, operation in item.items() if method != "parameters"}


def _bullets(text: str) -> list[str]:
    """Each list item of the written part, its continuation lines joined."""
    items: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            items.append(line[2:])
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            items.append("")
    return [item for item in items if item]


def test_the_reference_is_the_one_the_served_document_renders(document: dict) -> None:
    text = API_MD.read_text()
    assert BEGIN in text
    assert text[text.index(BEGIN):] == reference(document), (
        "docs/API.md's reference is stale: run `rekindle openapi --write docs/API.md`")


def test_every_route_the_written_part_names_is_served_and_documented(document: dict) -> None:
    written = API_MD.read_text().split(BEGIN, 1)[0]
    known = _operations(document)
    named = {(m.lower(), _shape(p)) for m, p in ROUTE.findall(written)}
    assert len(named) > 50
    missing = sorted(r for r in named - set(known) if r != THE_DOCUMENT)
    assert not missing, f"docs/API.md names routes the service does not document: {missing}"


def test_every_status_the_written_part_gives_a_route_is_documented_for_it(
        document: dict) -> None:
    """In a list item that starts with a route, each `→ NNN` and each `NNN code` belongs
    to the route named last before it."""
    known = _operations(document)
    checked = 0
    for item in _bullets(API_MD.read_text().split(BEGIN, 1)[0]):
        if not ROUTE.match(item):
            continue
        marks = sorted([(m.start(), "route", (m.group(1).lower(), _shape(m.group(2))))
                        for m in ROUTE.finditer(item)]
                       + [(m.start(), "status", int(m.group(1) or m.group(2)))
                          for m in STATUS.finditer(item)])
        route = None
        for _, kind, value in marks:
            if kind == "route":
                route = value
            elif route is not None and route != THE_DOCUMENT:
                assert value in known[route], f"docs/API.md: {route} answers {value}?"
                checked += 1
    assert checked > 50


def test_every_operation_is_named_in_docs_api_md(document: dict) -> None:
    text = API_MD.read_text()
    for method, path in _operations(document):
        pattern = re.escape(f"`{method.upper()} ") + re.escape(path).replace(
            re.escape("{}"), r"\{[^}]*\}") + "`"
        assert re.search(pattern, text), (method, path)
