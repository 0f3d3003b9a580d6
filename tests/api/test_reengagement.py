"""read.reengagement over the HTTP flow that most often brings a candidate back: adding an
opportunity with `copy_from.archive_source` (the copy is created just before its source is
archived, in one command)."""

from __future__ import annotations

from tests.api.conftest import Api, candidate, posting


def test_copy_and_archive_links_the_archived_opportunity_to_its_copy(client: Api,
                                                                     runtime) -> None:
    cid = candidate(client)
    source = client.post(f"/v1/candidates/{cid}/opportunities",
                         {"posting_id": posting(client)}).get_json()["id"]
    copied = client.post(f"/v1/candidates/{cid}/opportunities", {
        "general": True,
        "copy_from": {"opportunity_id": source, "categories": ["tags"],
                      "archive_source": {"reason": "timing"}}})
    assert copied.status_code == 201, copied.get_json()
    assert client.get(f"/v1/opportunities/{source}").get_json()["archived"]["reason"] == "timing"
    assert runtime.projections.wait(int(copied.headers["X-Rekindle-Position"]), 10,
                                    views=["analytics"])

    with runtime.database.pool.connection() as conn:
        found = conn.execute(
            "SELECT archived_opportunity_id::text, reason, next_opportunity_id::text, "
            "time_to_next = interval '0', next_created_position < archived_position "
            "FROM read.reengagement WHERE candidate_id = %s", (cid,)).fetchall()
    assert [tuple(r) for r in found] == [(source, "timing", copied.get_json()["id"], True, True)]
