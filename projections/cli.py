"""`rekindle projections ...`: rebuild the read models, see how far behind they are, run them."""

from __future__ import annotations

import signal
import threading

import click

from domain.settings import Settings
from projections.database import Database


def _database() -> Database:
    return Database(Settings.from_env()).start()


class _NamingProjections(click.Command):
    """Its help lists the projections NAMES may name (imported only when help is shown)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        formatter.write_text(f"NAMES: {', '.join(_known())}")
        super().format_epilog(ctx, formatter)


def _known() -> list[str]:
    from projections.catalog import projections

    return [projection.name for projection in projections()]


def _chosen(names: tuple[str, ...]) -> list[str] | None:
    """NAMES checked before the database is started; None (all) when none are given."""
    unknown = sorted(set(names) - set(_known()))
    if unknown:
        raise click.BadParameter(f"unknown projections: {', '.join(unknown)} "
                                 f"(known: {', '.join(_known())})", param_hint="NAMES")
    return list(names) or None


@click.group("projections")
def projections_group() -> None:
    """The read models (schema `read`) that queries and analysts use."""


@projections_group.command("rebuild", cls=_NamingProjections)
@click.argument("names", nargs=-1)
def rebuild_command(names: tuple[str, ...]) -> None:
    """Drop and rebuild NAMES (all by default) from the event store; re-running resumes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from projections.rebuild import rebuild

    chosen = _chosen(names)
    database = _database()
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()) as bar:
            tasks: dict[str, int] = {}

            def progress(name: str, position: int, head: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=head)
                bar.update(tasks[name], completed=min(position, head), total=max(head, 1))

            try:
                done = rebuild(database, chosen, progress)
            except KeyError as error:
                raise click.ClickException(str(error.args[0])) from None
        for name, position in done.items():
            click.echo(f"{name}: rebuilt to position {position}")
    finally:
        database.stop()


@projections_group.command("status")
def status_command() -> None:
    """Each projection's position and lag behind the event store."""
    from projections.rebuild import status

    database = _database()
    try:
        for row in status(database):
            click.echo(f"{row['name']}\tposition {row['position']}\tlag {row['lag']}")
    finally:
        database.stop()


@projections_group.command("run", cls=_NamingProjections)
@click.argument("names", nargs=-1)
def run_command(names: tuple[str, ...]) -> None:
    """Follow the event store and keep NAMES (all by default) up to date, until stopped."""
    from projections.service import ProjectionService

    chosen = _chosen(names)
    database = _database()
    service = ProjectionService(database, chosen).start()
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        while not stopping.wait(1.0):
            pass  # a failed projection is retried by the service itself
    finally:
        service.stop()
        database.stop()
