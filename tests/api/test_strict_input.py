"""The input boundary: strict types, no lone surrogates or NULs, bounded lists, refused with
422 `validation_error` and nothing recorded; and nothing accepted can stop the read side."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, candidate, opportunity, posting, unique_email
from tests.api.test_scope import head

SURROGATE = '"Eve \\ud800"'  # a JSON string holding a lone UTF-16 surrogate


def raw(api: Api, method: str, path: str, body: str) -> Any:
    return api.client.open(path, method=method, data=body.encode(),
                           content_type="application/json", headers=api.headers())


def refused_with_nothing_recorded(api: Api, answer: Any, before: int, field: str) -> None:
    assert answer.status_code == 422, (answer.status_code, answer.get_data(as_text=True)[:300])
    body = answer.get_json()
    assert body["error"] == "validation_error"
    assert any(key == field or key.startswith(field + ".") for key in body["details"]), body
    assert head(api) == before


def test_a_lone_surrogate_sent_to_the_public_form_is_refused_and_the_read_side_stays_up(
        client: Api, anonymous: Api) -> None:
    form = client.post("/v1/forms", {"title": "Talent"}).get_json()["id"]
    before = head(client)
    answer = raw(anonymous, "POST", f"/v1/forms/{form}/submissions",
                 f'{{"name": {SURROGATE}, "email": "{unique_email()}", "consent": false}}')
    refused_with_nothing_recorded(client, answer, before, "name")
    assert anonymous.get("/readyz").status_code == 200


@pytest.mark.parametrize("path, body, field", [
    ("/v1/candidates", '{{"name": {s}, "emails": ["{e}"]}}', "name"),
    ("/v1/candidates", '{{"name": "Eve", "emails": ["{e}"], "tags": [{s}]}}', "tags"),
    ("/v1/postings", '{{"title": {s}}}', "title"),
    ("/v1/pools", '{{"name": {s}}}', "name"),
    ("/v1/rules", '{{"name": {s}, "trigger": "candidate_created", '
                  '"actions": [{{"type": "add_tag", "tag": "x"}}]}}', "name"),
    ("/v1/rules", '{{"name": "R", "trigger": "candidate_created", '
                  '"actions": [{{"type": "add_tag", "tag": {s}}}]}}', "actions"),
])
def test_a_lone_surrogate_anywhere_is_refused_not_a_500(client: Api, path: str, body: str,
                                                        field: str) -> None:
    before = head(client)
    answer = raw(client, "POST", path, body.format(s=SURROGATE, e=unique_email()))
    refused_with_nothing_recorded(client, answer, before, field)


def test_a_nul_in_a_string_is_refused(client: Api) -> None:
    before = head(client)
    answer = raw(client, "POST", "/v1/candidates",
                 f'{{"name": "Eve\\u0000", "emails": ["{unique_email()}"]}}')
    refused_with_nothing_recorded(client, answer, before, "name")


def test_a_string_that_looks_like_a_boolean_is_not_one(client: Api, anonymous: Api) -> None:
    cid = candidate(client)
    before = head(client)
    refused_with_nothing_recorded(
        client, client.post(f"/v1/candidates/{cid}/opportunities", {"general": "yes"}), before,
        "general")
    rule = client.post("/v1/rules", {"name": "R", "trigger": "candidate_created",
                                     "enabled": False,
                                     "actions": [{"type": "add_tag", "tag": "x"}]})
    rule_id = rule.get_json()["id"]
    before = head(client)
    refused_with_nothing_recorded(client, client.patch(f"/v1/rules/{rule_id}",
                                                       {"enabled": "yes"}), before, "enabled")
    form = client.post("/v1/forms", {"title": "Talent"}).get_json()["id"]
    before = head(client)
    answer = anonymous.post(f"/v1/forms/{form}/submissions",
                            {"name": "P", "email": unique_email(), "consent": "yes"})
    refused_with_nothing_recorded(client, answer, before, "consent")
    for one in (1, 0):
        answer = anonymous.post(f"/v1/forms/{form}/submissions",
                                {"name": "P", "email": unique_email(), "consent": one})
        refused_with_nothing_recorded(client, answer, before, "consent")


def test_numbers_are_not_strings_nor_strings_numbers(client: Api) -> None:
    cid = candidate(client)
    before = head(client)
    refused_with_nothing_recorded(client, client.post("/v1/postings", {"title": 5}), before,
                                  "title")
    refused_with_nothing_recorded(
        client, client.post(f"/v1/candidates/{cid}/consent/request", {"deadline_days": "7"}),
        before, "deadline_days")
    refused_with_nothing_recorded(
        client, client.post(f"/v1/candidates/{cid}/consent/request", {"deadline_days": 7.0}),
        before, "deadline_days")
    refused_with_nothing_recorded(
        client, client.post(f"/v1/candidates/{cid}/consent/request", {"deadline_days": True}),
        before, "deadline_days")


def test_an_oversized_list_is_refused_for_its_length_before_its_items_are_read(
        client: Api) -> None:
    """The last of 40,000 tags is not even a string: a boundary that looked at the items
    before the length would name it; this one names the list's bound."""
    oid = opportunity(client, candidate(client))
    tags = [f"t{i}" for i in range(40_000)] + [5]
    before = head(client)
    answer = client.post(f"/v1/opportunities/{oid}/tags", {"tags": tags})
    refused_with_nothing_recorded(client, answer, before, "tags")
    details = answer.get_json()["details"]
    assert list(details) == ["tags"], sorted(details)[:5]
    assert "at most" in details["tags"][0]


def test_unknown_opportunity_sent_to_the_ats_is_not_found(client: Api) -> None:
    import uuid

    before = head(client)
    answer = client.post(f"/v1/opportunities/{uuid.uuid4()}/send-to-ats")
    assert (answer.status_code, answer.get_json()["error"]) == (404, "not_found")
    assert head(client) == before
    assert posting(client)  # the API still answers
