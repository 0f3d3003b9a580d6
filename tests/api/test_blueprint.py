"""Argument schemas are built once per route, not once per request (api/blueprint.py)."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema

from tests.api.conftest import Api, candidate, opportunity


def test_a_request_builds_no_argument_schema(client: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    first = candidate(client)
    copy = {"categories": ["tags"], "archive_source": {"reason": "timing"}}
    opportunity(client, first, general=True,  # nested schemas are built on their first load
                copy_from={"opportunity_id": opportunity(client, first), **copy})
    built: list[str] = []
    init = Schema.__init__

    def counting(self: Schema, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(Schema, "__init__", counting)
    second = candidate(client, tags=["python"])
    opportunity(client, second, general=True,
                copy_from={"opportunity_id": opportunity(client, second), **copy})
    refused = client.post(f"/v1/candidates/{second}/opportunities", {"general": "maybe"})
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "validation_error"
    assert built == []
