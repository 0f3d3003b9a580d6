"""Files and resumes on an opportunity: attached, read back, removed.

The bytes live outside the events (a file store addressed by SHA-256 within one candidate);
the events hold the name (personal, sealed) and the file's size, kind, digest and secrecy.
Secret files are attached, listed, read and removed by admins only.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import access
from domain import validation as v
from domain.access import Access
from domain.actor import Actor
from domain.candidate import Candidate
from domain.errors import NotFound, ValidationFailed
from domain.opportunity import FILE_KINDS
from domain.ports import FileStore
from domain.recorded import Recorded, command, ensure_version
from domain.settings import Settings
from domain.store import EventStore


def safe_name(name: str) -> str:
    """The name as stored: no path separators (it is only ever a label)."""
    return name.replace("/", "_").replace("\\", "_")


class Files:
    def __init__(self, store: EventStore, access: Access, files: FileStore,
                 settings: Settings) -> None:
        self.store = store
        self.access = access
        self.files = files
        self.settings = settings

    @command
    def attach(self, opportunity_id: UUID, name: str, content: bytes, content_type: str,
               by: Actor, *, secret: bool = False, kind: str = "file",
               expected_version: int | None = None) -> Recorded:
        """extra["file"]: the new file as recorded (id, name, secret, kind, sha256, size,
        content_type, opportunity_id)."""
        access.ensure_may_attach(by, v.flag("secret", secret))
        name = safe_name(v.text("file", name, max_len=255))
        kind = v.one_of("kind", kind, FILE_KINDS)
        if not content:
            raise ValidationFailed.field("file", "is empty")
        if len(content) > self.settings.max_file_bytes:
            raise ValidationFailed.field(
                "file", f"is larger than {self.settings.max_file_bytes} bytes")
        opportunity = self.access.opportunity(by, opportunity_id)
        ensure_version(opportunity, expected_version)
        self.store.load(Candidate, opportunity.candidate_id).ensure_live()
        sha256 = self.files.put(opportunity.candidate_id, content, content_type)
        file_id = opportunity.attach_file(name=name, sha256=sha256, size=len(content),
                                          content_type=content_type, secret=secret, kind=kind,
                                          by=by)
        position = self.store.record(opportunity)
        return Recorded(opportunity.id, position, {
            "file_id": file_id, "file": {**opportunity.files[file_id],
                                         "opportunity_id": opportunity.id}})

    @command
    def remove(self, opportunity_id: UUID, file_id: UUID, by: Actor, *,
               expected_version: int | None = None) -> Recorded:
        access.ensure_writer(by)
        opportunity = self.access.opportunity(by, opportunity_id)
        ensure_version(opportunity, expected_version)
        self.access.file(by, opportunity, file_id)
        opportunity.remove_file(file_id=file_id, by=by)
        return Recorded(opportunity.id, self.store.record(opportunity))

    def read(self, opportunity_id: UUID, file_id: UUID, by: Actor) -> tuple[dict[str, Any], bytes]:
        """The file's description and its bytes."""
        opportunity = self.access.opportunity(by, opportunity_id)
        meta = self.access.file(by, opportunity, file_id)
        stored = self.files.get(opportunity.candidate_id, meta["sha256"])
        if stored is None:
            raise NotFound("the file's contents were erased", {"file_id": str(file_id)})
        return meta, stored[0]
