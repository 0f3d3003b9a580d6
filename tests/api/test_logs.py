"""Log lines: one JSON object each (or text at a terminal), every line of a request carrying
its id whichever logger wrote it, and one access line per request without personal data."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import jsonify

from api import logs
from api.app import create_app
from tests.api.conftest import BOOTSTRAP_TOKEN


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What the `rekindle` commands' handler would write to stderr, as JSON lines."""
    stream = io.StringIO()
    handler = logs.handler(stream, "json")
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def chatty_app(runtime: Any) -> Any:
    """The API with one more route whose work logs through a library's and the domain's
    loggers, as a command's code path does."""
    app = create_app(runtime)

    @app.route("/_test/chatty")
    def chatty() -> Any:
        logging.getLogger("eventsourcing.postgres").warning("library line")
        logging.getLogger("domain.store").info("domain line")
        logging.getLogger("psycopg.pool").error("pool line")
        return jsonify({"ok": True})

    return app


def test_every_line_of_a_request_carries_its_id(chatty_app: Any, captured: io.StringIO) -> None:
    logging.getLogger("rekindle.test").info("before any request")
    response = chatty_app.test_client().get("/_test/chatty",
                                            headers={"X-Request-Id": "req-42"})
    assert response.status_code == 200
    logging.getLogger("rekindle.test").info("after the request")
    records = lines(captured)
    by_message = {r["message"]: r for r in records}
    for message in ("library line", "domain line", "pool line"):
        assert by_message[message]["request_id"] == "req-42", by_message[message]
    access = [r for r in records if r["logger"] == "rekindle.access"]
    assert len(access) == 1 and access[0]["request_id"] == "req-42"
    assert "request_id" not in by_message["before any request"]
    assert "request_id" not in by_message["after the request"]


def test_a_json_line_has_time_level_logger_message(captured: io.StringIO) -> None:
    logging.getLogger("rekindle.test").warning("hello %s", "there")
    (record,) = [r for r in lines(captured) if r.get("logger") == "rekindle.test"]
    assert record["level"] == "WARNING" and record["message"] == "hello there"
    assert datetime.fromisoformat(record["time"]).utcoffset().total_seconds() == 0


def test_the_access_line_names_the_route_and_ids_but_no_path_query_or_body(
        runtime: Any, chatty_app: Any, captured: io.StringIO) -> None:
    client = chatty_app.test_client()
    auth = {"Authorization": f"Bearer {BOOTSTRAP_TOKEN}"}
    created = client.post("/v1/candidates", headers=auth, json={
        "name": "Quentin Quill", "emails": ["quentin.quill@example.com"]})
    assert created.status_code == 201
    cid = created.get_json()["id"]
    client.get(f"/v1/candidates/{cid}/history?min_position=1", headers=auth)
    client.get("/v1/candidates?q=quentin.quill@example.com", headers=auth)
    access = [r for r in lines(captured) if r["logger"] == "rekindle.access"]
    assert [r["status"] for r in access] == [201, 200, 200]
    post, history, search = access
    assert post["route"] == "/v1/candidates" and post["method"] == "POST"
    assert history["route"] == "/v1/candidates/<uuid:candidate_id>/history"
    assert history["ids"] == {"candidate_id": cid}
    assert isinstance(history["duration_ms"], float)
    assert search["route"] == "/v1/candidates" and search["ids"] == {}
    assert post["user_id"] and post["request_id"]
    text = captured.getvalue()
    for personal in ("Quentin", "Quill", "quentin.quill", "limit=5"):
        assert personal not in text, personal


def test_the_format_is_json_unless_stderr_is_a_terminal() -> None:
    import sys

    from domain.settings import Settings

    leader, follower = os.openpty()
    try:
        with open(follower, "w") as terminal:
            real, sys.stderr = sys.stderr, terminal
            try:
                assert Settings().log_format == "text"
                assert Settings.from_env({"REKINDLE_LOG_FORMAT": "json"}).log_format == "json"
            finally:
                sys.stderr = real
    finally:
        os.close(leader)
    sys.stderr, real = io.StringIO(), sys.stderr
    try:
        assert Settings().log_format == "json"
    finally:
        sys.stderr = real


def test_text_lines_carry_the_request_id_too() -> None:
    stream = io.StringIO()
    handler = logs.handler(stream, "text")
    logger = logging.getLogger("rekindle.text-test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside")
        token = logs.request_id.set("abc")
        logger.warning("inside")
        logs.request_id.reset(token)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    outside, inside = stream.getvalue().splitlines()
    assert "[-] outside" in outside and "[abc] inside" in inside
