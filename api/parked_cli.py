"""`rekindle parked list|replay`: the parked messages of the workers, from the shell (the same
table and replay as `GET /v1/parked` and `POST /v1/parked/{id}/replay`)."""

from __future__ import annotations

import sys
from uuid import UUID

import click


@click.group("parked")
def parked_group() -> None:
    """Messages a worker still failed on after its retries."""


@parked_group.command("list")
@click.option("--handler", default=None, help="Only this handler's.")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 500))
def parked_list(handler: str | None, limit: int) -> None:
    """One line each, oldest first: id, handler, position, event id, when, reason."""
    from api.bootstrap import Runtime
    from consumers.parked import list_parked

    with Runtime() as runtime:
        runtime.start(projections=False, workers=False)
        found = list_parked(runtime.database.pool, handler=handler, limit=limit)
    for row in found["items"]:
        click.echo(f"{row['id']}  {row['handler']}  {row['position']}  {row['event_id']}  "
                   f"{row['parked_at'].isoformat()}  {row['error']}")
    if found["next_cursor"] is not None:
        click.echo(f"(more than {limit}: narrow with --handler)", err=True)


@parked_group.command("replay")
@click.argument("parked_id", type=click.UUID)
def parked_replay(parked_id: UUID) -> None:
    """Hand one back to its handler; exit 1 if it failed again (it stays parked)."""
    from api.bootstrap import Runtime
    from consumers.parked import replay
    from domain.errors import DomainError

    with Runtime() as runtime:
        runtime.start(projections=False, workers=False)
        try:
            outcome = replay(runtime, parked_id)
        except DomainError as error:
            raise click.ClickException(f"{error.code}: {error.message}") from None
    click.echo(f"{outcome.status}  {outcome.handler}  {outcome.event_id}"
               + (f"  {outcome.reason}" if outcome.reason else ""))
    if outcome.status != "replayed":
        sys.exit(1)
