"""`rekindle import FILE`: the spreadsheet import from the shell, with a progress bar."""

from __future__ import annotations

import re
import time
from pathlib import Path
from uuid import UUID

import click

from domain.actor import Actor


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pool", "pool_id", type=click.UUID, help="Pool every imported candidate joins.")
@click.option("--tags", default="", help="Tags for every candidate, comma separated.")
@click.option("--source", default=None, help='Source of the candidates [default: "Excel import"].')
def import_command(file: Path, pool_id: UUID | None, tags: str, source: str | None) -> None:
    """Import candidates from a .csv, .xlsx, .xls or .ods file (header row names the columns)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from api.bootstrap import Runtime
    from api.intake.importer import prepare_import
    from domain.errors import DomainError

    with Runtime() as runtime:
        runtime.start(projections=False, workers=False)
        try:
            prepared = prepare_import(runtime.rekindle, file, Actor.system(), source=source,
                                      pool_id=pool_id,
                                      tags=[t.strip() for t in re.split(r"[,;]", tags)
                                            if t.strip()], name=file.name)
        except DomainError as error:
            raise click.ClickException(f"{error.code}: {error.message}") from None
        started = time.perf_counter()
        columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.completed:,} rows"), TimeElapsedColumn())
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            try:
                job = prepared.run(progress=lambda done: bar.update(task, completed=done))
            except DomainError as error:
                raise click.ClickException(f"{error.code}: {error.message}") from None
            bar.update(task, total=job.rows_total, completed=job.rows_total)
        elapsed = time.perf_counter() - started
        click.echo(f"import {job.id}: {job.rows_imported} imported, {job.rows_duplicate} "
                   f"duplicate, {job.rows_failed} failed ({job.rows_total / elapsed:,.0f} rows/s)")
        for error in job.errors[:20]:
            click.echo(f"  row {error['row']}: {error['field']} {error['message']}", err=True)
        if len(job.errors) > 20:
            click.echo(f"  ... and {job.rows_failed - 20} more", err=True)
