"""The transport used when no SMTP server is configured: each message becomes an `.eml` file.

The folder (`<REKINDLE_DATA_DIR>/outbox/`) lets the embedded default work end to end: a
person can open the files, follow their links, and see what would have been sent.

A file is named `<candidate id>.<digest of the Message-ID>.eml` (`none.` for a message that
concerns no candidate): nothing in the name is personal, a redelivered message replaces its
own file instead of adding one, and erasing a candidate finds every file about them by name.
Files are written to a temporary name and renamed, so a reader never sees half a message.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import uuid
from email import policy
from email.message import EmailMessage
from pathlib import Path

from consumers.mail.transport import CANDIDATE_HEADER

NO_CANDIDATE = "none"


class OutboxTransport:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _ensure_folder(self) -> None:
        # Owner only: the files hold addresses and personal links. mkdir's mode is cut by
        # the umask and leaves an existing folder alone, hence the chmod.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)

    @staticmethod
    def _candidate_key(message: EmailMessage) -> str:
        value = message[CANDIDATE_HEADER]
        if value is None:
            return NO_CANDIDATE
        return str(uuid.UUID(str(value)))  # a file name part: only a well-formed id

    def path_for(self, message: EmailMessage) -> Path:
        message_id = message["Message-ID"]
        if not message_id:
            raise ValueError("a message without a Message-ID cannot be filed")
        digest = hashlib.sha256(str(message_id).strip().encode()).hexdigest()[:32]
        return self.folder / f"{self._candidate_key(message)}.{digest}.eml"

    def send(self, message: EmailMessage) -> None:
        target = self.path_for(message)
        self._ensure_folder()
        # CRLF line ends, as RFC 5322 has them and mail programs expect in an .eml file.
        data = message.as_bytes(policy=policy.SMTP)
        # The temporary name starts with the candidate too: erasure also removes what a
        # crash left half-written.
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{target.stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def files(self) -> list[Path]:
        """Every message in the folder, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)

    def erase(self, candidate_id: uuid.UUID) -> int:
        """Deletes every file of one candidate, finished or half-written; returns how many."""
        if not self.folder.is_dir():
            return 0
        key = str(uuid.UUID(str(candidate_id)))
        removed = 0
        for pattern in (f"{key}.*.eml", f".{key}.*.tmp"):
            for path in self.folder.glob(pattern):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed
