"""The composition root: what one Rekindle process runs, wired together once.

`rekindle serve` on the embedded default runs everything here in one process; with Kafka
configured the API process runs only the command service and the workers run elsewhere.
"""

from __future__ import annotations

import logging
from typing import Any

from consumers.gdpr import IdempotentAnswers
from domain.actor import Actor
from domain.application import Rekindle
from domain.errors import VersionConflict
from domain.settings import Settings
from domain.user import parse_token
from projections.adapters import PostgresAdapters
from projections.database import Database, quiet_checks

log = logging.getLogger(__name__)

USER_CREATED_TOPIC = "domain.user:User.UserCreated"


class Runtime:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.database = Database(self.settings)
        self.app: Rekindle | None = None
        self.projections: Any = None
        self.workers: Any = None

    def start(self, *, projections: bool = True, workers: bool = True) -> Runtime:
        self.database.start()
        with self.database.ddl_locked(Rekindle.name):
            self.app = Rekindle(self.database.eventsourcing_env(),
                                adapters=PostgresAdapters.on(self.database.pool),
                                settings=self.settings)
        self.app.add_erasure_step(IdempotentAnswers(self.database.pool))
        quiet_checks(self.app.recorder)
        self.bootstrap()
        if projections and self.settings.kafka_bootstrap is None:
            from projections.runner import ProjectionService

            self.projections = ProjectionService(self.database).start()
        elif projections:  # `rekindle worker projections` applies them; wait on its tracking
            from projections.watch import ProjectionWatch

            self.projections = ProjectionWatch(self.database).start()
        if workers and self.settings.kafka_bootstrap is None:
            from consumers.workers import start_in_process

            self.workers = start_in_process(self)
        return self

    def bootstrap(self) -> None:
        """REKINDLE_BOOTSTRAP_TOKEN creates the first super_admin, once, if no user exists."""
        token = self.settings.bootstrap_token
        if not token or self.has_users():
            return
        user_id, _, _ = parse_token(token)
        try:
            self.app.create_user("Bootstrap admin", "admin@rekindle.invalid", "super_admin",
                                 Actor.system(), token=token, user_id=user_id)
            log.info("bootstrap super_admin %s created", user_id)
        except VersionConflict:
            log.info("bootstrap super_admin was created by another process")

    def has_users(self) -> bool:
        found = self.app.recorder.select_notifications(start=1, limit=1,
                                                       topics=[USER_CREATED_TOPIC])
        return bool(found)

    def stop(self) -> None:
        for part in (self.workers, self.projections):
            if part is not None:
                part.stop()
        self.workers = self.projections = None
        if self.app is not None:
            self.app.close()
            self.app = None
        self.database.stop()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
