"""Every command the API accepts can be applied by every view: property-based, over the
strings and shapes a client can send. Whatever is accepted leaves `/readyz` at 200 and its
resource readable; whatever is not is refused with a 4xx, never a 5xx."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Api, candidate, opportunity, unique_email

ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
"""Every code point, lone surrogates and NUL included."""
STORABLE = st.characters(exclude_categories=("Cc", "Cs"))
"""What a person types: letters, marks, symbols, spaces and emoji of every script."""
TEXT = st.one_of(st.text(ANY_CHARACTER, max_size=40),
                 st.text(STORABLE, min_size=1, max_size=40),
                 st.text(STORABLE, min_size=1, max_size=40))
TEXTS = st.lists(TEXT, max_size=4)
RUN = settings(max_examples=60, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])


def readable_after(api: Api, answer: Any, path: str) -> None:
    assert answer.status_code < 500, answer.get_data(as_text=True)[:500]
    event("accepted" if answer.status_code < 300 else "refused")
    if answer.status_code >= 300:
        assert answer.get_json()["error"], answer.get_data(as_text=True)[:500]
        return
    position = answer.headers["X-Rekindle-Position"]
    found = api.get(path.format(id=answer.get_json().get("id")),
                    query_string={"min_position": position})
    assert found.status_code == 200, found.get_data(as_text=True)[:500]
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.get_json()


@RUN
@given(name=TEXT, tags=TEXTS, sources=TEXTS, headline=st.one_of(st.none(), TEXT),
       location=st.one_of(st.none(), TEXT), phones=TEXTS)
def test_any_accepted_candidate_is_readable_and_the_views_stay_up(
        client: Api, name: str, tags: list[str], sources: list[str], headline: str | None,
        location: str | None, phones: list[str]) -> None:
    answer = client.post("/v1/candidates", {
        "name": name, "emails": [unique_email()], "tags": tags, "sources": sources,
        "headline": headline, "location": location, "phones": phones})
    readable_after(client, answer, "/v1/candidates/{id}")


@RUN
@given(title=TEXT, team=st.one_of(st.none(), TEXT), pool=TEXT, description=TEXT)
def test_any_accepted_posting_and_pool_is_readable(client: Api, title: str, team: str | None,
                                                   pool: str, description: str) -> None:
    readable_after(client, client.post("/v1/postings", {"title": title, "team": team}),
                   "/v1/postings/{id}")
    readable_after(client, client.post("/v1/pools", {"name": pool, "description": description}),
                   "/v1/pools/{id}")


@RUN
@given(name=TEXT, tag=TEXT, message=TEXT, field_value=TEXT)
def test_any_accepted_rule_is_readable(client: Api, name: str, tag: str, message: str,
                                       field_value: str) -> None:
    answer = client.post("/v1/rules", {
        "name": name, "trigger": "candidate_created",
        "filter": [{"field": "tag", "op": "contains", "value": field_value}],
        "actions": [{"type": "add_tag", "tag": tag},
                    {"type": "notify", "to": "owner", "message": message}]})
    readable_after(client, answer, "/v1/rules/{id}")


@RUN
@given(tags=st.lists(TEXT, min_size=1, max_size=4), reason_text=TEXT)
def test_any_accepted_tag_or_referral_on_an_opportunity_is_readable(
        client: Api, tags: list[str], reason_text: str) -> None:
    oid = opportunity(client, candidate(client))
    readable_after(client, client.post(f"/v1/opportunities/{oid}/tags", {"tags": tags}),
                   f"/v1/opportunities/{oid}")
    referrer = client.get("/v1/users").get_json()["items"][0]["id"]
    readable_after(client, client.post(f"/v1/opportunities/{oid}/referral", {
        "referrer_id": referrer, "relationship": reason_text, "notes": reason_text}),
        f"/v1/opportunities/{oid}")
