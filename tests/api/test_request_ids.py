"""X-Request-Id on every answer: the caller's when it is a safe token, else a fresh one."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.api.conftest import Api

FRESH = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("given", ["abc", "trace-1.2_3", "A" * 128, "0"])
def test_a_valid_request_id_is_echoed(client: Api, given: str) -> None:
    response = client.get("/v1/candidates", headers={"X-Request-Id": given})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == given


@pytest.mark.parametrize("given", ["A" * 129, "has space", "semi;colon", "slash/ed", "é",
                                   "new\tline", "quote\"d", ""])
def test_an_invalid_request_id_is_replaced_by_a_fresh_one(client: Api, given: str) -> None:
    response = client.get("/v1/candidates", headers={"X-Request-Id": given})
    assert response.status_code == 200
    answered = response.headers["X-Request-Id"]
    assert answered != given and FRESH.fullmatch(answered), answered


def test_without_one_each_answer_gets_its_own(client: Api) -> None:
    ids = {client.get("/v1/candidates").headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3 and all(FRESH.fullmatch(i) for i in ids)


def test_errors_carry_the_request_id_too(client: Api, anonymous: Api, runtime: object) -> None:
    sent = {"X-Request-Id": "err-check"}
    answers = {
        401: anonymous.get("/v1/candidates", headers=sent),
        404: client.get(f"/v1/candidates/{uuid.uuid4()}", headers=sent),
        405: client.client.put("/healthz", headers=sent),
        422: client.post("/v1/candidates", {"name": "No Email"}, headers=sent),
        413: client.post("/v1/candidates", headers=sent, data=b"x" * (2 * 1024 * 1024),
                         content_type="application/json"),
    }
    for status, response in answers.items():
        assert response.status_code == status, (status, response.get_json())
        assert response.headers["X-Request-Id"] == "err-check", status
    unmatched = anonymous.get("/no/such/route")
    assert unmatched.status_code == 404 and FRESH.fullmatch(unmatched.headers["X-Request-Id"])
