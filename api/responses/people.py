"""Users, their tokens, and postings."""

from __future__ import annotations

from marshmallow import fields

from api.responses.base import Body, page, text, when


class User(Body):
    id = fields.UUID(required=True)
    name = text()
    email = text()
    role = fields.String()
    version = fields.Integer(metadata={"description": "the user's version (its ETag)"})
    created_at = when()


class UserCreated(User):
    token = fields.String(required=True, metadata={"description": "shown once"})


class TokenIssued(Body):
    user_id = fields.UUID(required=True)
    token_id = fields.UUID(required=True)
    token = fields.String(required=True, metadata={"description": "shown once"})


class TokenRevoked(Body):
    user_id = fields.UUID(required=True)
    token_id = fields.UUID(required=True)
    revoked = fields.Boolean(required=True)


UserPage = page("UserPage", User)


class Posting(Body):
    id = fields.UUID(required=True)
    title = text()
    team = text()
    location = text()
    state = fields.String()
    hiring_team = fields.List(fields.UUID())
    pipeline = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "open opportunities per stage"})
    version = fields.Integer(metadata={"description": "the posting's version (its ETag)"})
    created_at = when()
    updated_at = when()


PostingPage = page("PostingPage", Posting)
