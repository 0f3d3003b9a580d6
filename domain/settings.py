"""Configuration: every tunable of the service, read once from the environment and checked
there, so that a mistake stops the process at start, naming the variable and what it allows.
The README's configuration table is rendered from this class (`rekindle settings --markdown`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from domain.settings_problems import CONFLICT, describe
from domain.settings_values import (
    HTTP_URL,
    NAMES,
    SENDER,
    SMTP_FORMS,
    HttpUrl,
    LogLevel,
    Names,
    Sender,
    Smtp,
)

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
DEFAULT_CONSENT_TEXT = (
    "We keep your name, contact details and what you tell us about your career, to contact "
    "you about openings, events and news that may suit you. Only our recruiting team sees "
    "them. Your consent lasts until you withdraw it, which you can do at any time through "
    "the link in every message we send; we ask you to renew it once a year, and delete "
    "your data if you do not.")


class SettingsError(ValueError):
    """Settings that cannot be used: one line per bad variable, naming it and what it allows."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def setting(variable: str, default: Any = None, meaning: str = "", *, secret: bool = False,
            quiet: bool = False, allowed: str | None = None, shown: str | None = None,
            factory: Any = None, **bounds: Any) -> Any:
    """A field read from `variable`. A secret is left out of reprs, errors and the README's
    defaults; a quiet one's value (it may hold a password) is left out of errors. `allowed`
    says what a value must be where the type and bounds do not; `shown` is the default as
    the README gives it where the value itself would not say it."""
    extra = {key: value for key, value in (("secret", secret), ("quiet", quiet),
                                           ("allowed", allowed), ("shown", shown)) if value}
    if factory is not None:
        return Field(default_factory=factory, validation_alias=variable, description=meaning,
                     repr=not secret, json_schema_extra=extra, **bounds)
    return Field(default, validation_alias=variable, description=meaning, repr=not secret,
                 json_schema_extra=extra, **bounds)


def _log_format() -> Literal["json", "text"]:
    """A person reading a terminal gets text; anything else (a collector) one JSON per line."""
    return "text" if sys.stderr is not None and sys.stderr.isatty() else "json"


class Settings(BaseSettings):
    """Every tunable of the service. Domain lists (stages, reasons) are configurable per install.

    Built from keyword arguments (attribute names; the rest keep their defaults, the
    environment is not read) or by `from_env`; both are checked alike and raise SettingsError.
    """

    model_config = SettingsConfigDict(
        frozen=True, case_sensitive=True, env_ignore_empty=True, validate_by_name=True,
        validate_by_alias=True, allow_inf_nan=False, extra="forbid", hide_input_in_errors=True)

    data_dir: Path = setting(
        "REKINDLE_DATA_DIR", Path(".rekindle"),
        "where the embedded PostgreSQL keeps its data, and the mail outbox (`outbox/`) "
        "without `REKINDLE_SMTP_URL`")
    database_url: str | None = setting(
        "REKINDLE_DATABASE_URL", None,
        "any PostgreSQL (`postgresql://user:pw@host/db`); unset = embedded server", secret=True)
    kafka_bootstrap: str | None = setting(
        "REKINDLE_KAFKA_BOOTSTRAP", None,
        "Kafka bootstrap servers; unset = workers run in-process inside `rekindle serve`")
    kafka_session_timeout_s: float = setting(
        "REKINDLE_KAFKA_SESSION_TIMEOUT_S", 6.0,
        "how long a consumer group waits for a silent member (a killed process) before its "
        "partitions go to the others; heartbeats go every twelfth of it; Apache Kafka accepts "
        "6 to 1800 by default (`group.min/max.session.timeout.ms`)", ge=1, le=1800)
    kafka_max_poll_interval_s: float = setting(
        "REKINDLE_KAFKA_MAX_POLL_INTERVAL_S", 60.0,
        "longest a consumer may spend on one poll's records (at most 100) before the group "
        "evicts it; also how long a rebalance waits for busy members to rejoin", ge=5)
    kafka_fetch_max_wait_ms: int = setting(
        "REKINDLE_KAFKA_FETCH_MAX_WAIT_MS", 50,
        "longest the broker may hold a consumer's fetch when nothing is new; Apache Kafka "
        "answers as soon as a record arrives, Tansu later, so there it bounds a record's "
        "delivery delay (measured: 500, the client's default, 130 ms p50 and 250 ms p99; "
        "50, 15 ms and 30 ms)",
        ge=1, le=5000)
    bootstrap_token: str | None = setting(
        "REKINDLE_BOOTSTRAP_TOKEN", None,
        "on start, if no user exists, creates a `super_admin` with this token", secret=True)
    stages: Names = setting(
        "REKINDLE_STAGES", DEFAULT_STAGES,
        "the opportunity stages, comma-separated, first is the default", allowed=NAMES)
    archive_reasons: Names = setting(
        "REKINDLE_ARCHIVE_REASONS", DEFAULT_ARCHIVE_REASONS,
        "allowed archive reasons, comma-separated", allowed=NAMES)
    consent_deadline_days: int = setting(
        "REKINDLE_CONSENT_DEADLINE_DAYS", 30, "default deadline of a consent request, in days",
        ge=1)
    consent_reminder_days: int = setting(
        "REKINDLE_CONSENT_REMINDER_DAYS", 7,
        "days after a consent request that one reminder is mailed if it is still unanswered; "
        "less than `REKINDLE_CONSENT_DEADLINE_DAYS`", ge=1)
    consent_valid_days: int = setting(
        "REKINDLE_CONSENT_VALID_DAYS", 365,
        "days a granted consent is valid; unrenewed, it then expires like an unanswered "
        "request", ge=1)
    consent_renewal_days: int = setting(
        "REKINDLE_CONSENT_RENEWAL_DAYS", 30,
        "days before a consent expires that a renewal request is mailed; less than "
        "`REKINDLE_CONSENT_VALID_DAYS`", ge=1)
    anonymize_grace_days: int = setting(
        "REKINDLE_ANONYMIZE_GRACE_DAYS", 0,
        "days after a consent expired before the profile is anonymized", ge=0)
    deletion_delay_days: int = setting(
        "REKINDLE_DELETION_DELAY_DAYS", 0,
        "days after a deletion request before the profile is anonymized", ge=0)
    max_json_bytes: int = setting(
        "REKINDLE_MAX_JSON_BYTES", 1024 * 1024,
        "largest JSON body (413 `payload_too_large` above)", ge=1)
    max_file_bytes: int = setting(
        "REKINDLE_MAX_FILE_BYTES", 20 * 1024 * 1024, "largest uploaded file", ge=1)
    max_import_bytes: int = setting(
        "REKINDLE_MAX_IMPORT_BYTES", 100 * 1024 * 1024, "largest spreadsheet import", ge=1)
    projection_wait_s: float = setting(
        "REKINDLE_PROJECTION_WAIT_S", 5.0,
        "how long a GET with `min_position` waits before 503 `projection_lagging`", gt=0)
    form_rate_limit_per_minute: int = setting(
        "REKINDLE_FORM_RATE_LIMIT", 10,
        "public talent-form submissions per client address per minute", ge=1)
    auth_failure_limit_per_minute: int = setting(
        "REKINDLE_AUTH_FAILURE_LIMIT", 30,
        "failed authentications per client address per minute", ge=1)
    trusted_proxies: int = setting(
        "REKINDLE_TRUSTED_PROXIES", 0,
        "how many proxies stand in front of the service: the client address (rate limits) is "
        "taken from `X-Forwarded-For` that many hops from the right; 0 = the header is ignored",
        ge=0)
    ats_url: HttpUrl = setting(
        "REKINDLE_ATS_URL", None, "base URL of the ATS API that applications are sent to",
        allowed=HTTP_URL)
    ats_secret: str | None = setting(
        "REKINDLE_ATS_SECRET", None,
        "HMAC-SHA256 secret of inbound ATS events (`X-Rekindle-Signature`)", secret=True)
    ats_timeout_s: float = setting(
        "REKINDLE_ATS_TIMEOUT_S", 5.0, "timeout of one call to the ATS", gt=0)
    ats_max_attempts: int = setting(
        "REKINDLE_ATS_MAX_ATTEMPTS", 5, "tries before a send to the ATS is recorded as failed",
        ge=1)
    ats_late_stages: Names = setting(
        "REKINDLE_ATS_LATE_STAGES", ("onsite_interview", "final_interview", "offer"),
        "ATS stages after which a rejection makes a silver medallist", allowed=NAMES)
    smtp_url: Smtp = setting(
        "REKINDLE_SMTP_URL", None,
        "the mail server: `smtp://host:port`, `smtp+starttls://user:password@host:587` or "
        "`smtps://user:password@host:465`; unset = every message is written as an `.eml` "
        "file to `<REKINDLE_DATA_DIR>/outbox/`", quiet=True, allowed=SMTP_FORMS)
    mail_from: Sender = setting(
        "REKINDLE_MAIL_FROM", "Rekindle <no-reply@localhost>", "sender of every mail",
        allowed=SENDER)
    public_url: HttpUrl = setting(
        "REKINDLE_PUBLIC_URL", None,
        "base URL of the links in mails (`https://talent.example.com`); unset = the address "
        "`rekindle serve` listens on", allowed=HTTP_URL)
    mail_max_attempts: int = setting(
        "REKINDLE_MAIL_MAX_ATTEMPTS", 8, "tries before a mail is recorded as `failed`", ge=1)
    mail_retry_s: float = setting(
        "REKINDLE_MAIL_RETRY_S", 60.0,
        "seconds before a mail the server did not take is tried again, doubling after each "
        "try (at most an hour): with 8 tries, an outage of about two hours loses nothing",
        gt=0)
    mail_lease_s: float = setting(
        "REKINDLE_MAIL_LEASE_S", 120.0,
        "seconds a mailer process holds the mails it takes: a mailer that dies holding some "
        "leaves them to the others this long after; a round stops taking on at half of it",
        ge=30)
    consent_text: str = setting(
        "REKINDLE_CONSENT_TEXT", DEFAULT_CONSENT_TEXT,
        "the consent text of requests sent by recruiters and rules, and of talent forms "
        "without one of their own; each text shown is kept under its SHA-256 in the proof",
        shown="a short text (README, \"What is sent when\")", min_length=20,
        max_length=5000)
    link_secret: str | None = setting(
        "REKINDLE_LINK_SECRET", None,
        "secret (at least 16 characters) that signs the personal links in mails; every "
        "process of one installation needs the same", secret=True,
        allowed="at least 16 characters", min_length=16)
    projection_batch_size: int = setting(
        "REKINDLE_PROJECTION_BATCH", 1000, "most events a projection applies in one transaction",
        ge=1)
    projection_linger_s: float = setting(
        "REKINDLE_PROJECTION_LINGER_S", 0.25,
        "under steady writes, the views no 201 answer reads (analytics, crm, erasures) apply at "
        "most this often, in bigger batches; a request waiting for one in the same process has "
        "it applied at once (with Kafka, where `rekindle worker` applies them, such a wait "
        "takes up to this long); 0 = at once", ge=0)
    projection_bulk_lag_events: int = setting(
        "REKINDLE_PROJECTION_BULK_LAG", 50_000,
        "a view at least this many events behind the log, and behind by more events than its "
        "tables hold rows (a cold start, a rebuild), catches up without its GIN indexes (the "
        "list filters') and builds them once it reaches the head; list queries are slower "
        "until then, never wrong", ge=1)
    scheduler_interval_s: float = setting(
        "REKINDLE_SCHEDULER_INTERVAL_S", 5.0,
        "how often the scheduler runs its chores: due reminders, GDPR deadlines, purging "
        "expired idempotency answers and idle rate-limit rows", gt=0)
    pool_size: int = setting(
        "REKINDLE_POOL_SIZE", 20, "connections in Rekindle's own pool (per process)", ge=1)
    event_store_pool_size: int = setting(
        "POSTGRES_POOL_SIZE", 8,
        "connections the event store's pool keeps (the `eventsourcing` library's setting)", ge=1)
    event_store_max_overflow: int = setting(
        "POSTGRES_MAX_OVERFLOW", 16,
        "connections the event store's pool opens beyond `POSTGRES_POOL_SIZE` under load", ge=0)
    event_store_connect_timeout_s: int = setting(
        "POSTGRES_CONNECT_TIMEOUT", 1,
        "seconds a step of the event store waits for a connection from its pool", ge=1)
    log_level: LogLevel = setting(
        "REKINDLE_LOG_LEVEL", "INFO",
        "log level (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`); `--log-level` overrides "
        "it")
    log_format: Literal["json", "text"] = setting(
        "REKINDLE_LOG_FORMAT", None, "`json` (one object per line on stderr) or `text`",
        factory=_log_format, shown="`json`, `text` if stderr is a terminal")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise SettingsError(describe(error, values, type(self).model_fields)) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: Any,
                                   **others: Any) -> tuple[Any, ...]:
        """Keyword arguments only: `from_env` reads the environment, so that a test's or a
        tool's Settings(...) never picks up what the shell happens to hold."""
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in `env` (the process environment by default); variables unset or
        empty keep their defaults."""
        return cls(**_Environment(cls, os.environ if env is None else env)())

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (attribute names), checked like new settings."""
        current = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self)(**{**current, **changes})

    @field_validator("consent_reminder_days")
    @classmethod
    def _reminder_before_deadline(cls, days: int, info: ValidationInfo) -> int:
        return _sooner(days, info, "consent_deadline_days", "is not before",
                       "the reminder must go out before a consent request's deadline")

    @field_validator("consent_renewal_days")
    @classmethod
    def _renewal_before_expiry(cls, days: int, info: ValidationInfo) -> int:
        return _sooner(days, info, "consent_valid_days", "is not less than",
                       "the renewal request must go out before the consent expires")


def _sooner(days: int, info: ValidationInfo, than: str, relation: str, why: str) -> int:
    """Mails about a consent must go out while it can still be answered. Checked with the
    other fields (`than` comes first), so that this shows up with their problems."""
    limit = info.data.get(than)  # absent if itself refused
    if limit is not None and days >= limit:
        raise PydanticCustomError(CONFLICT, "{problem}", {
            "problem": f"{days} {relation} {variable(than)} ({limit}): {why}"})
    return days


def variable(name: str) -> str:
    """The environment variable of attribute `name`."""
    return str(Settings.model_fields[name].validation_alias)


class _Environment(EnvSettingsSource):
    """The settings' variables in a given mapping instead of the process environment."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name: value for name, value in self._env.items() if value != ""}
