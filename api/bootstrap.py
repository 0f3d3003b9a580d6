"""The composition root: what one Rekindle process runs, wired together once.

The only module that sees all four packages. `rekindle serve` on the embedded default runs
everything in one process; with Kafka configured the API process runs the command service
and waits on the projections others apply, and each worker runs as `rekindle worker NAME`.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.utils import get_topic

from consumers.mailer import MailErasure
from domain.actor import Actor
from domain.errors import VersionConflict
from domain.service import Rekindle
from domain.settings import Settings
from domain.user import User, parse_token
from projections.adapters import PostgresAdapters
from projections.database import Database
from projections.idempotency_keys import IdempotentAnswers
from projections.liveness import LiveCandidates
from projections.stores import open_store

log = logging.getLogger(__name__)


def command_service(database: Database, settings: Settings | None = None) -> Rekindle:
    """The command service on a started database, with its PostgreSQL adapters."""
    adapters = PostgresAdapters.on(database.pool)
    store = open_store(database, keys=adapters.keys)
    rekindle = Rekindle(store, adapters, settings or database.settings,
                        live_candidates=LiveCandidates(database.pool))
    rekindle.consent.add_erasure_step(IdempotentAnswers(database.pool))
    rekindle.consent.add_erasure_step(MailErasure(rekindle, database, rekindle.settings))
    return rekindle


class Runtime:
    """The parts of one process: its database, command service, projections and workers."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.database = Database(self.settings)
        self.rekindle: Rekindle | None = None
        self.projections: Any = None
        self.workers: Any = None

    def start(self, *, projections: bool = True, workers: bool = True) -> Runtime:
        self.database.start()
        self.rekindle = command_service(self.database)
        self.bootstrap_admin()
        if projections and self.settings.kafka_bootstrap is None:
            from projections.service import ProjectionService

            self.projections = ProjectionService(self.database).start()
        elif projections:  # `rekindle worker projections` applies them; wait on its NOTIFYs
            from projections.watch import ProjectionWatch

            self.projections = ProjectionWatch(self.database).start()
        if workers and self.settings.kafka_bootstrap is None:
            from consumers.workers import start_in_process

            self.workers = start_in_process(self)
        return self

    def bootstrap_admin(self) -> None:
        """REKINDLE_BOOTSTRAP_TOKEN creates the first super_admin, once, if no user exists."""
        token = self.settings.bootstrap_token
        assert self.rekindle is not None
        if not token or next(iter(self.rekindle.store.scan([_USER_CREATED], page=1)), None):
            return
        user_id, _, _ = parse_token(token)
        try:
            self.rekindle.users.create("Bootstrap admin", "admin@rekindle.invalid",
                                       "super_admin", Actor.system(), token=token,
                                       user_id=user_id)
            log.info("bootstrap super_admin %s created", user_id)
        except VersionConflict:
            log.info("bootstrap super_admin was created by another process")

    def stop(self) -> None:
        for part in (self.workers, self.projections):
            if part is not None:
                part.stop()
        self.workers = self.projections = None
        if self.rekindle is not None:
            self.rekindle.close()
            self.rekindle = None
        self.database.stop()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_USER_CREATED = get_topic(User.UserCreated)
