"""`rekindle worker NAME`: one worker (or all of them) as a process of its own."""

from __future__ import annotations

import logging
import signal
import threading

import click

from consumers.workers import worker_names

log = logging.getLogger(__name__)


@click.command("worker")
@click.argument("name", type=click.Choice(worker_names()))
@click.option("--skip", multiple=True, type=click.Choice(["projections", "scheduler"]),
              help="With `all`: leave out a worker another process runs (e.g. the "
                   "projections, when `rekindle projections run` applies them).")
@click.option("--metrics-port", type=int, default=None,
              help="Serve Prometheus metrics on this port (0 picks a free one); none if unset.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True)
def worker(name: str, skip: tuple[str, ...], metrics_port: int | None,
           metrics_host: str) -> None:
    """Run worker NAME until SIGTERM/SIGINT.

    NAME is a handler (a Kafka consumer if REKINDLE_KAFKA_BOOTSTRAP is set, else fed from the
    event store), the relay to Kafka, the projections, the scheduler's chores, or `all` of
    them. A message being handled at shutdown is finished or left uncommitted, so it is
    delivered again."""
    from api.bootstrap import Runtime
    from consumers.workers import start_named

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    runtime = Runtime().start(projections=False, workers=False)
    try:
        if metrics_port is not None:
            from consumers import metrics

            metrics.serve(metrics_port, lambda: runtime.database.pool, host=metrics_host)
        try:
            group = start_named(runtime, name, skip=skip)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        transport = "kafka" if runtime.settings.kafka_bootstrap else "in-process"
        log.info("worker %s running (%s)", name, transport)
        stopping.wait()
        log.info("worker %s stopping", name)
        group.stop()
    finally:
        runtime.stop()
