"""`rekindle projections ...`: rebuild the read models, see how far behind they are, run them."""

from __future__ import annotations

import signal
import threading

import click

from domain.settings import Settings
from projections.database import Database


def _database() -> Database:
    return Database(Settings.from_env()).start()


@click.group("projections")
def projections_group() -> None:
    """The read models (schema `read`) that queries and analysts use."""


@projections_group.command("rebuild")
@click.argument("names", nargs=-1)
def rebuild_command(names: tuple[str, ...]) -> None:
    """Drop and rebuild NAMES (all by default) from the event store; re-running resumes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from projections.runner import rebuild

    database = _database()
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()) as bar:
            tasks: dict[str, int] = {}

            def progress(name: str, position: int, head: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=head)
                bar.update(tasks[name], completed=min(position, head), total=max(head, 1))

            try:
                done = rebuild(database, list(names) or None, progress)
            except KeyError as error:
                raise click.ClickException(str(error.args[0])) from None
        for name, position in done.items():
            click.echo(f"{name}: rebuilt to position {position}")
    finally:
        database.stop()


@projections_group.command("status")
def status_command() -> None:
    """Each projection's position and lag behind the event store."""
    from projections.runner import status

    database = _database()
    try:
        for row in status(database):
            click.echo(f"{row['name']}\tposition {row['position']}\tlag {row['lag']}")
    finally:
        database.stop()


@projections_group.command("run")
@click.argument("names", nargs=-1)
def run_command(names: tuple[str, ...]) -> None:
    """Follow the event store and keep the projections up to date, until stopped."""
    from projections.runner import ProjectionService

    database = _database()
    service = ProjectionService(database, list(names) or None).start()
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        while not stopping.wait(1.0):
            pass  # a failed projection is retried by the service itself
    finally:
        service.stop()
        database.stop()
