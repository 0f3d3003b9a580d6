"""`rekindle outbox`: the mails the embedded default wrote to `<REKINDLE_DATA_DIR>/outbox/`,
oldest first, with the personal links in them, so the whole loop can be followed from a
shell (the .eml files themselves open in any mail program)."""

from __future__ import annotations

import email
import email.policy
import re

import click

from consumers.mail.outbox import OutboxTransport
from consumers.mail.sending import outbox_folder
from domain.settings import Settings

URL = re.compile(r"https?://\S+")


@click.command("outbox")
@click.option("--last", type=int, default=None, help="Only the last N messages.")
def outbox_command(last: int | None) -> None:
    """List the mails in the outbox folder: when, to whom, the subject and their links."""
    folder = outbox_folder(Settings.from_env())
    paths = OutboxTransport(folder).files()
    if last is not None:
        paths = paths[-last:]
    if not paths:
        click.echo(f"no mails in {folder}")
    for path in paths:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        click.echo(f"{message['Date']}  to {message['To']}  {message['Subject']}")
        click.echo(f"  file {path}")
        for url in dict.fromkeys(URL.findall(text)):
            click.echo(f"  link {url}")
