"""The request's shape: only documented query parameters, a body of the media type the route
takes, ids that are UUIDs; each refusal in the error shape, with nothing recorded."""

from __future__ import annotations

import io
import json

from tests.api.conftest import Api, candidate, opportunity, unique_email


def test_an_undocumented_query_parameter_is_422_naming_it(client: Api) -> None:
    refused = client.get("/v1/candidates", query_string={"posting_id": candidate(client),
                                                          "sort": "name", "ordr": "x"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "validation_error"
    assert set(body["details"]) == {"sort", "ordr"}


def test_undocumented_query_parameters_on_writes_record_nothing(client: Api) -> None:
    head = client.runtime.rekindle.store.head()
    refused = client.post("/v1/candidates?dry_run=true",
                          {"name": "Q", "emails": [unique_email()]})
    assert refused.status_code == 422 and "dry_run" in refused.get_json()["details"]
    assert client.runtime.rekindle.store.head() == head


def test_min_position_is_documented_where_projections_are_read(client: Api) -> None:
    cid = candidate(client)
    for path in ("/v1/candidates", f"/v1/candidates/{cid}", f"/v1/candidates/{cid}/history",
                 "/v1/opportunities", "/v1/postings", "/v1/pools", "/v1/reminders"):
        assert client.get(path, query_string={"min_position": 0}).status_code == 200, path


def test_a_caller_without_a_token_is_401_before_any_query_check(anonymous: Api) -> None:
    assert anonymous.get("/v1/candidates?sort=name").status_code == 401


def test_public_routes_are_strict_too(anonymous: Api) -> None:
    assert anonymous.get("/healthz?verbose=1").status_code == 422


def test_a_text_plain_body_on_a_json_route_is_415(client: Api) -> None:
    head = client.runtime.rekindle.store.head()
    refused = client.client.post("/v1/candidates", headers=client.headers(),
                                 data=json.dumps({"name": "T", "emails": [unique_email()]}),
                                 content_type="text/plain")
    assert refused.status_code == 415
    body = refused.get_json()
    assert body["error"] == "unsupported_media_type" and "Content-Type" in body["details"]
    assert client.runtime.rekindle.store.head() == head


def test_a_form_on_a_json_route_and_json_on_a_multipart_route_are_415(client: Api) -> None:
    oid = opportunity(client, candidate(client))
    form = client.client.post(f"/v1/opportunities/{oid}/stage", headers=client.headers(),
                              data={"stage": "offer"})
    assert form.status_code == 415
    as_json = client.post(f"/v1/opportunities/{oid}/files", {"file": "x"})
    assert as_json.status_code == 415
    upload = client.client.post(f"/v1/opportunities/{oid}/files", headers=client.headers(),
                                data={"file": (io.BytesIO(b"%PDF"), "cv.pdf")},
                                content_type="multipart/form-data")
    assert upload.status_code == 201


def test_a_json_route_without_a_body_still_works(client: Api) -> None:
    cid = candidate(client)
    assert client.client.post(f"/v1/candidates/{cid}/consent/revoke",
                              headers=client.headers()).status_code == 200


def test_a_malformed_id_in_a_path_is_404_in_the_error_shape(client: Api) -> None:
    for path in ("/v1/candidates/not-a-uuid", "/v1/opportunities/123/history",
                 "/v1/pools/xyz/members"):
        refused = client.get(path)
        assert refused.status_code == 404, path
        body = refused.get_json()
        assert body["error"] == "not_found" and "UUID" in body["message"], body
        assert "If you entered the URL manually" not in body["message"]
    unknown = client.get("/v1/nothing-here")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "not_found"
