"""The read models' queries as the API answers them: each query's rows rendered in their
response shape, so view tests check what a client sees."""

from __future__ import annotations

from typing import Any

from api import responses
from api.rendering import render, render_page
from projections import queries


def _one(schema: Any, row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else render(schema, row)


def get_candidate(*args: Any, **kwargs: Any) -> dict[str, Any] | None:
    return _one(responses.CandidateProfile, queries.get_candidate(*args, **kwargs))


def get_opportunity(*args: Any, **kwargs: Any) -> dict[str, Any] | None:
    return _one(responses.Opportunity, queries.get_opportunity(*args, **kwargs))


def get_posting(*args: Any, **kwargs: Any) -> dict[str, Any] | None:
    return _one(responses.Posting, queries.get_posting(*args, **kwargs))


def get_user(*args: Any, **kwargs: Any) -> dict[str, Any] | None:
    return _one(responses.User, queries.get_user(*args, **kwargs))


def list_candidates(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return render_page(responses.Candidate, queries.list_candidates(*args, **kwargs))


def list_postings(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return render_page(responses.Posting, queries.list_postings(*args, **kwargs))


def list_users(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return render_page(responses.User, queries.list_users(*args, **kwargs))
