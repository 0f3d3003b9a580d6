"""The outbox folder: one readable .eml per message, owner-only, erasable per candidate."""

from __future__ import annotations

import email
import email.policy
import re
import stat
import uuid
from pathlib import Path

from consumers.mail.compose import compose
from consumers.mail.outbox import OutboxTransport

ADDRESS = "zoe.kowalski@example.org"


def a_message(candidate_id: uuid.UUID | None, cause_id: uuid.UUID | None = None,
              text: str = "Please confirm"):
    return compose(kind="form_confirmation", to=ADDRESS, subject="Confirm, Zoë Kowalski",
                   text=text, html=f"<p>{text}</p>", cause_id=cause_id or uuid.uuid4(),
                   candidate_id=candidate_id)


def test_a_message_becomes_one_owner_only_eml_file_a_mail_program_reads(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    candidate = uuid.uuid4()
    message = a_message(candidate)
    outbox.send(message)

    [path] = outbox.files()
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.fullmatch(rf"{candidate}\.[0-9a-f]{{32}}\.eml", path.name)
    assert "zoe" not in path.name.lower() and "example" not in path.name
    raw = path.read_bytes()
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")  # RFC 5322 line ends
    read = email.message_from_bytes(raw, policy=email.policy.default)
    assert read["Message-ID"] == message["Message-ID"]
    assert read["To"] == ADDRESS and read["Subject"] == "Confirm, Zoë Kowalski"
    assert read.get_body(("plain",)).get_content().strip() == "Please confirm"
    assert read.get_body(("html",)).get_content().strip() == "<p>Please confirm</p>"
    assert list((tmp_path / "outbox").iterdir()) == [path]  # no temporary file left


def test_the_same_message_id_twice_leaves_one_file(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path)
    candidate, cause = uuid.uuid4(), uuid.uuid4()
    outbox.send(a_message(candidate, cause, text="first try"))
    outbox.send(a_message(candidate, cause, text="redelivered"))
    [path] = outbox.files()
    assert b"redelivered" in path.read_bytes()

    outbox.send(a_message(candidate))  # another cause, another message
    assert len(outbox.files()) == 2


def test_erasure_removes_every_file_of_that_candidate_and_only_those(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    erased, kept = uuid.uuid4(), uuid.uuid4()
    for _ in range(3):
        outbox.send(a_message(erased))
    outbox.send(a_message(kept))
    outbox.send(a_message(None))  # e.g. a notification about no one
    # What a crash between writing and renaming leaves behind.
    leftover = tmp_path / "outbox" / f".{erased}.{'0' * 32}.abc123.tmp"
    leftover.write_bytes(b"To: " + ADDRESS.encode())

    assert outbox.erase(erased) == 4
    names = {path.name.split(".")[0] for path in (tmp_path / "outbox").iterdir()}
    assert names == {"none", str(kept)}
    assert len(outbox.files()) == 2
    assert outbox.erase(erased) == 0


def test_an_existing_folder_is_closed_to_others(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    OutboxTransport(folder).send(a_message(uuid.uuid4()))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_an_empty_outbox(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "never-written")
    assert outbox.files() == []
    assert outbox.erase(uuid.uuid4()) == 0
