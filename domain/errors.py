"""Domain errors. Each carries its error code of the HTTP contract (docs/API.md), so the API
only picks the status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    """Bad input to a command; `details` maps each field to a list of messages."""

    code = "validation_error"

    @classmethod
    def field(cls, name: str, message: str) -> ValidationFailed:
        return cls(f"{name}: {message}", {name: [message]})


class NotFound(DomainError):
    code = "not_found"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class PostingNotFound(DomainError):
    code = "posting_not_found"


class PostingNotOpen(DomainError):
    code = "posting_not_open"


class OpportunityNotOfCandidate(DomainError):
    code = "opportunity_not_of_candidate"


class OpportunityArchived(DomainError):
    code = "opportunity_archived"


class OpportunityActive(DomainError):
    code = "opportunity_active"


class NotGeneral(DomainError):
    code = "not_general"


class GdprBlocked(DomainError):
    code = "gdpr_blocked"


class DuplicateCandidate(DomainError):
    code = "duplicate_candidate"


class VersionConflict(DomainError):
    code = "version_conflict"


class LinkUsed(DomainError):
    """A personal link whose purpose is fulfilled (answered, confirmed, superseded by a newer
    one), or whose person is gone: its page says so, and nothing is recorded."""

    code = "link_used"


class PreconditionFailed(DomainError):
    """The caller wrote on a version of the resource that is no longer current (If-Match)."""

    code = "precondition_failed"
