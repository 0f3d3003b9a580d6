"""Who is calling: bearer tokens checked against the User aggregate, and role checks per route.

argon2 is deliberately slow, so a successful verification is remembered for a minute (keyed
by the token's sha256); the token's presence and the user's role are still checked against the
store on every request (the cached User is caught up with any newer event), so a revocation or
a role change takes effect at once.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from flask import current_app, g, request

from api.boundary import check_request
from api.errors import ApiError
from domain.access import ADMINS, READERS, RECRUITERS
from domain.actor import Actor
from domain.errors import Forbidden, NotFound, Unauthorized
from domain.user import User, parse_token
from projections.rate_limits import SharedLimiter

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["ADMINS", "READERS", "RECRUITERS", "Authenticator", "current_actor", "requires"]
VERIFIED_TTL_S = 60.0


class TokenCache:
    """Tokens verified recently (sha256 of the token -> expiry); never stores the token."""

    def __init__(self, ttl_s: float = VERIFIED_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def fresh(self, digest: str) -> bool:
        with self._lock:
            until = self._until.get(digest)
            if until is None:
                return False
            if until < time.monotonic():
                del self._until[digest]
                return False
            return True

    def remember(self, digest: str) -> None:
        with self._lock:
            if len(self._until) > 10_000:
                now = time.monotonic()
                self._until = {k: t for k, t in self._until.items() if t > now}
            self._until[digest] = time.monotonic() + self.ttl_s


class UserCache:
    """Users as last loaded; each use asks the store only for newer events (usually none).

    A revocation or a role change is a new event, so it is seen on the next request; what is
    saved is decoding and decrypting the user's events on every request. Cached users are
    only read, never changed.
    """

    def __init__(self, runtime: Any, max_users: int = 10_000) -> None:
        self.runtime = runtime
        self.max_users = max_users
        self._users: dict[UUID, User] = {}
        self._lock = threading.Lock()

    def get(self, user_id: UUID) -> User:
        """The current User (NotFound if there is none)."""
        store = self.runtime.rekindle.store
        with self._lock:
            cached = self._users.get(user_id)
        if cached is not None and not store.recorder.select_events(user_id, gt=cached.version,
                                                                  limit=1):
            return cached
        user = store.load(User, user_id)
        with self._lock:
            if len(self._users) >= self.max_users:
                self._users.clear()
            self._users[user_id] = user
        return user


class Authenticator:
    """Turns an Authorization header into an Actor, or refuses with 401 / 429."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.cache = TokenCache()
        self.users = UserCache(runtime)

    @property
    def limiter(self) -> SharedLimiter:
        """Failed authentications per client address, one budget for every process."""
        return SharedLimiter(self.runtime.database.pool, "auth",
                             self.runtime.settings.auth_failure_limit_per_minute)

    def authenticate(self, header: str | None, address: str) -> Actor:
        """Only presented-but-wrong credentials count towards the per-address limit, and the
        limit never refuses a valid token: people behind one address (an office's NAT) keep
        working while someone among them guesses. A guess costs no hash verification unless
        it names a user's existing token."""
        actor = self._actor_for(header)
        if actor is not None:
            return actor
        limiter = self.limiter  # a wrong credential spends the budget, none only checks it
        if (not limiter.admit(address)) if header else limiter.blocked(address):
            raise ApiError("rate_limited", "too many failed authentications; wait a minute",
                           headers={"Retry-After": "60"})
        raise Unauthorized("a valid bearer token is required")

    def _actor_for(self, header: str | None) -> Actor | None:
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 512:
            return None
        user_id, token_id, secret = parse_token(token)
        try:
            user = self.users.get(user_id)
        except NotFound:
            return None
        if token_id not in user.tokens:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        if not self.cache.fresh(digest):
            if not user.verify(token_id, secret):
                return None
            self.cache.remember(digest)
        return Actor(user.id, user.role)


def current_actor() -> Actor:
    """The caller of this request (set by `requires`)."""
    actor = g.get("actor")
    if actor is None:
        raise Unauthorized("a valid bearer token is required")
    return actor


def current_user_id() -> UUID | None:
    actor = g.get("actor")
    return actor.user_id if actor is not None else None


def client_address() -> str:
    """The caller's address: behind REKINDLE_TRUSTED_PROXIES proxies, the one they forwarded
    (ProxyFix in api/app.py rewrites it); a forged X-Forwarded-For changes nothing else."""
    return request.remote_addr or "unknown"


def requires(*roles: str) -> Callable[[F], F]:
    """Authenticates the caller, then refuses (403) any role not listed.

    Put it above `@blp.arguments` so a caller without a token gets 401, not a 422.
    """
    allowed = frozenset(roles or READERS)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticator: Authenticator = current_app.extensions["rekindle.auth"]
            actor = authenticator.authenticate(request.headers.get("Authorization"),
                                               client_address())
            g.actor = actor
            if actor.role not in allowed:
                raise Forbidden(f"the role {actor.role} may not do this",
                                {"allowed_roles": sorted(allowed)})
            check_request()  # the route's query parameters and media type, once authenticated
            return view(*args, **kwargs)

        wrapper._rekindle_roles = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate

