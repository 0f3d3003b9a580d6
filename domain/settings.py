"""Configuration, read once from the environment (every variable is listed in the README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STAGES = (
    "new_lead",
    "new_applicant",
    "recruiter_screen",
    "phone_interview",
    "onsite_interview",
    "final_interview",
    "offer",
    "hired",
)
DEFAULT_ARCHIVE_REASONS = (
    "hired",
    "position_filled",
    "withdrew",
    "offer_declined",
    "underqualified",
    "timing",
    "unresponsive",
    "other",
)


def _csv(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        return default
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. Domain lists (stages, reasons) are configurable per install."""

    data_dir: Path = Path(".rekindle")
    database_url: str | None = None
    kafka_bootstrap: str | None = None
    bootstrap_token: str | None = None
    stages: tuple[str, ...] = DEFAULT_STAGES
    archive_reasons: tuple[str, ...] = DEFAULT_ARCHIVE_REASONS
    consent_deadline_days: int = 30
    anonymize_grace_days: int = 0
    deletion_delay_days: int = 0
    max_json_bytes: int = 1024 * 1024
    max_file_bytes: int = 20 * 1024 * 1024
    max_import_bytes: int = 100 * 1024 * 1024
    projection_wait_s: float = 5.0
    form_rate_limit_per_minute: int = 10
    auth_failure_limit_per_minute: int = 30
    ats_url: str | None = None
    ats_secret: str | None = None
    ats_timeout_s: float = 5.0
    ats_max_attempts: int = 5
    ats_late_stages: tuple[str, ...] = ("onsite_interview", "final_interview", "offer")
    scheduler_interval_s: float = 5.0
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def num(name: str, default: float, kind: type = int):
            raw = env.get(name)
            return kind(raw) if raw not in (None, "") else default

        return cls(
            data_dir=Path(env.get("REKINDLE_DATA_DIR") or ".rekindle"),
            database_url=env.get("REKINDLE_DATABASE_URL") or None,
            kafka_bootstrap=env.get("REKINDLE_KAFKA_BOOTSTRAP") or None,
            bootstrap_token=env.get("REKINDLE_BOOTSTRAP_TOKEN") or None,
            stages=_csv(env.get("REKINDLE_STAGES"), DEFAULT_STAGES),
            archive_reasons=_csv(env.get("REKINDLE_ARCHIVE_REASONS"), DEFAULT_ARCHIVE_REASONS),
            consent_deadline_days=num("REKINDLE_CONSENT_DEADLINE_DAYS", 30),
            anonymize_grace_days=num("REKINDLE_ANONYMIZE_GRACE_DAYS", 0),
            deletion_delay_days=num("REKINDLE_DELETION_DELAY_DAYS", 0),
            max_json_bytes=num("REKINDLE_MAX_JSON_BYTES", 1024 * 1024),
            max_file_bytes=num("REKINDLE_MAX_FILE_BYTES", 20 * 1024 * 1024),
            max_import_bytes=num("REKINDLE_MAX_IMPORT_BYTES", 100 * 1024 * 1024),
            projection_wait_s=num("REKINDLE_PROJECTION_WAIT_S", 5.0, float),
            form_rate_limit_per_minute=num("REKINDLE_FORM_RATE_LIMIT", 10),
            auth_failure_limit_per_minute=num("REKINDLE_AUTH_FAILURE_LIMIT", 30),
            ats_url=env.get("REKINDLE_ATS_URL") or None,
            ats_secret=env.get("REKINDLE_ATS_SECRET") or None,
            ats_timeout_s=num("REKINDLE_ATS_TIMEOUT_S", 5.0, float),
            ats_max_attempts=num("REKINDLE_ATS_MAX_ATTEMPTS", 5),
            ats_late_stages=_csv(env.get("REKINDLE_ATS_LATE_STAGES"),
                                 ("onsite_interview", "final_interview", "offer")),
            scheduler_interval_s=num("REKINDLE_SCHEDULER_INTERVAL_S", 5.0, float),
        )
