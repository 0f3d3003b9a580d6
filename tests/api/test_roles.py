"""Role boundaries of docs/API.md: who may write what, and what a limited team member sees."""

from __future__ import annotations

import re

from tests.api.conftest import candidate, opportunity, posting, unique_email

PUBLIC = {"/healthz", "/readyz", "/metrics", "/v1/openapi.json", "/v1/docs",
          "/v1/docs/<string:asset>"}


def test_every_non_public_route_refuses_a_caller_without_token(flask_app, anonymous):
    placeholder = "00000000-0000-4000-8000-000000000000"
    checked = 0
    for rule in flask_app.url_map.iter_rules():
        path = re.sub(r"<(?:uuid:)?[^>]+>", placeholder, rule.rule)
        if rule.rule in PUBLIC or rule.endpoint == "static" or "submissions" in rule.rule:
            continue
        if rule.endpoint.startswith("public."):  # a personal link's page: the link is the key
            if "<token>" in rule.rule:
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    assert anonymous.client.open(path, method=method).status_code == 404
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anonymous.client.open(path, method=method, json={})
            assert response.status_code == 401, (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 30


def test_auditor_reads_everything_and_writes_nothing(client):
    _, auditor = client.new_user("auditor")
    cid = candidate(client)
    oid = opportunity(client, cid)
    for path in (f"/v1/candidates/{cid}", "/v1/candidates", f"/v1/opportunities/{oid}",
                 f"/v1/candidates/{cid}/history", f"/v1/opportunities/{oid}/history",
                 "/v1/postings", "/v1/users"):
        assert auditor.get(path).status_code == 200, path
    writes = [
        auditor.post("/v1/candidates", {"name": "A", "emails": [unique_email()]}),
        auditor.patch(f"/v1/candidates/{cid}", {"headline": "x"}),
        auditor.post(f"/v1/candidates/{cid}/opportunities", {"general": True}),
        auditor.post(f"/v1/opportunities/{oid}/stage", {"stage": "offer"}),
        auditor.post(f"/v1/candidates/{cid}/consent/request", {}),
        auditor.post("/v1/postings", {"title": "T"}),
        auditor.post("/v1/users", {"name": "A", "email": unique_email(), "role": "admin"}),
    ]
    assert [w.status_code for w in writes] == [403] * len(writes)
    assert writes[0].get_json()["error"] == "forbidden"


def test_only_admins_create_users_and_only_super_admin_creates_super_admin(client):
    _, admin = client.new_user("admin")
    _, recruiter = client.new_user("team_member")
    refused = admin.post("/v1/users", {"name": "S", "email": unique_email(),
                                       "role": "super_admin"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    assert admin.new_user("team_member")[0]
    assert recruiter.post("/v1/users", {"name": "S", "email": unique_email(),
                                        "role": "team_member"}).status_code == 403
    assert client.new_user("super_admin")[0]


def test_admins_cannot_take_over_a_super_admins_tokens_or_role(client):
    super_id, _ = client.new_user("super_admin")
    _, admin = client.new_user("admin")
    assert admin.post(f"/v1/users/{super_id}/tokens").status_code == 403
    assert admin.post(f"/v1/users/{super_id}/role", {"role": "auditor"}).status_code == 403
    recruiter_id, recruiter = client.new_user("team_member")
    other_id, _ = client.new_user("team_member")
    assert recruiter.post(f"/v1/users/{other_id}/tokens").status_code == 403
    assert recruiter.post(f"/v1/users/{recruiter_id}/tokens").status_code == 201
    assert recruiter.get(f"/v1/users/{other_id}").status_code == 404


def test_team_members_cannot_create_or_change_postings(client):
    _, recruiter = client.new_user("team_member")
    pid = posting(client)
    assert recruiter.post("/v1/postings", {"title": "T"}).status_code == 403
    assert recruiter.post(f"/v1/postings/{pid}/state", {"state": "closed"}).status_code == 403
    assert recruiter.get(f"/v1/postings/{pid}").status_code == 200
    assert candidate(recruiter)


def test_limited_team_member_sees_and_acts_only_within_their_hiring_teams(client):
    limited_id, limited = client.new_user("limited_team_member")
    theirs = posting(client, hiring_team=[limited_id])
    other = posting(client)
    mine_cid = candidate(client)
    other_cid = candidate(client)
    mine = opportunity(client, mine_cid, posting_id=theirs)
    hidden = opportunity(client, other_cid, posting_id=other)
    assert limited.get(f"/v1/opportunities/{mine}").status_code == 200
    assert limited.get(f"/v1/opportunities/{hidden}").status_code == 404
    assert limited.get(f"/v1/candidates/{mine_cid}").status_code == 200
    assert limited.get(f"/v1/candidates/{other_cid}").status_code == 404
    assert limited.get(f"/v1/candidates/{other_cid}/history").status_code == 404
    listed = limited.get("/v1/candidates", query_string={"limit": 500}).get_json()["items"]
    assert [c["id"] for c in listed] == [mine_cid]
    assert limited.post(f"/v1/opportunities/{mine}/stage", {"stage": "offer"}).status_code == 200
    assert limited.post(f"/v1/opportunities/{hidden}/stage",
                        {"stage": "offer"}).status_code == 404
    assert limited.patch(f"/v1/candidates/{other_cid}", {"headline": "x"}).status_code == 404
    refused = limited.post(f"/v1/candidates/{mine_cid}/opportunities", {"posting_id": other})
    assert refused.status_code == 403
    assert limited.post(f"/v1/candidates/{mine_cid}/opportunities",
                        {"general": True}).status_code == 403
    assert limited.post(f"/v1/candidates/{mine_cid}/opportunities",
                        {"posting_id": theirs}).status_code == 201
