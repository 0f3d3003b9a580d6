"""Secret files are listed, read, removed, attached and seen in histories by admins only."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

from tests.api.conftest import Api, candidate, opportunity
from tests.api.test_scope import head, position


def attach(api: Api, oid: str, name: str, secret: bool) -> Any:
    return api.post(f"/v1/opportunities/{oid}/files",
                    data={"file": (io.BytesIO(b"salary: 90k"), name),
                          "secret": "true" if secret else "false"},
                    content_type="multipart/form-data")


def test_a_team_member_never_sees_a_secret_file_in_a_history(client: Api) -> None:
    _, member = client.new_user("team_member")
    cid = candidate(client)
    oid = opportunity(client, cid)
    secret = attach(client, oid, "offer-letter.txt", secret=True)
    public = attach(client, oid, "cv.txt", secret=False)
    assert secret.status_code == public.status_code == 201
    secret_id = secret.get_json()["id"]
    removed = client.delete(f"/v1/opportunities/{oid}/files/{secret_id}")
    at = position(removed)
    for path in (f"/v1/opportunities/{oid}/history", f"/v1/candidates/{cid}/history"):
        seen_by_member = member.get(path, query_string={"min_position": at}).get_data(as_text=True)
        assert "offer-letter" not in seen_by_member and secret_id not in seen_by_member, path
        assert "cv.txt" in seen_by_member
        assert "offer-letter" in client.get(path).get_data(as_text=True)


def test_a_team_member_cannot_remove_a_secret_file(client: Api) -> None:
    _, member = client.new_user("team_member")
    oid = opportunity(client, candidate(client))
    secret_id = attach(client, oid, "offer-letter.txt", secret=True).get_json()["id"]
    before = head(client)
    refused = member.delete(f"/v1/opportunities/{oid}/files/{secret_id}")
    assert (refused.status_code, refused.get_json()["error"]) == (404, "not_found")
    assert head(client) == before
    files = client.get(f"/v1/opportunities/{oid}",
                       query_string={"min_position": before}).get_json()["files"]
    assert secret_id in [f["id"] for f in files]
    assert member.get(f"/v1/opportunities/{oid}/files/{secret_id}").status_code == 404
    assert client.get(f"/v1/opportunities/{oid}/files/{secret_id}").status_code == 200


def test_only_admins_attach_secret_files_whoever_calls(client: Api) -> None:
    from domain.actor import Actor
    from domain.errors import Forbidden

    member_id, member = client.new_user("team_member")
    oid = opportunity(client, candidate(client))
    assert attach(member, oid, "x.txt", secret=True).status_code == 403
    rekindle = client.runtime.rekindle
    try:
        rekindle.files.attach(UUID(oid), "x.txt", b"x", "text/plain",
                              Actor(member_id, "team_member"), secret=True)
    except Forbidden:
        pass
    else:
        raise AssertionError("the command service let a team member attach a secret file")
