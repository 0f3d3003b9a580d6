"""Concurrent writers on one aggregate: none is lost and none gets a 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.api.conftest import candidate, opportunity


def test_sixteen_threads_adding_tags_to_one_opportunity_lose_nothing(flask_app, client):
    oid = opportunity(client, candidate(client))

    def add(n: int):
        tester = flask_app.test_client()
        return n, tester.post(f"/v1/opportunities/{oid}/tags", json={"tags": [f"tag-{n}"]},
                              headers={"Authorization": f"Bearer {client.token}"})

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(add, range(16)))
    statuses = {r.status_code for _, r in results}
    assert statuses <= {200, 409}
    conflicts = [r.get_json()["error"] for _, r in results if r.status_code == 409]
    assert set(conflicts) <= {"version_conflict"}
    accepted = {f"tag-{n}" for n, r in results if r.status_code == 200}
    assert accepted
    last = max(int(r.headers["X-Rekindle-Position"]) for _, r in results if r.status_code == 200)
    tags = client.get(f"/v1/opportunities/{oid}", query_string={"min_position": last}
                      ).get_json()["tags"]
    assert accepted <= set(tags)
    assert set(tags) <= {f"tag-{n}" for n in range(16)}
