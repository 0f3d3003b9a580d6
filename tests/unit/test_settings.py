"""The settings an operator gives in the environment: typed, checked when the process starts,
and every mistake named by its variable with what is allowed. No database needed."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from domain.settings import Settings, SettingsError


def problems(env: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    return raised.value.problems


def test_the_defaults_apply_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.data_dir == Path(".rekindle") and settings.database_url is None
    assert settings.consent_deadline_days == 30 and settings.max_json_bytes == 1024 * 1024
    assert settings.stages[0] == "new_lead" and settings.stages[-1] == "hired"
    assert settings.ats_late_stages == ("onsite_interview", "final_interview", "offer")
    assert (settings.projection_batch_size, settings.projection_linger_s,
            settings.projection_bulk_lag_events) == (1000, 0.25, 50_000)
    assert (settings.pool_size, settings.event_store_pool_size, settings.event_store_max_overflow,
            settings.event_store_connect_timeout_s) == (20, 8, 16, 1)
    assert settings.smtp_url is None and settings.public_url is None
    assert settings.mail_from == "Rekindle <no-reply@localhost>"
    assert (settings.consent_reminder_days, settings.consent_valid_days,
            settings.consent_renewal_days) == (7, 365, 30)
    assert settings.mail_max_attempts == 8 and settings.trusted_proxies == 0
    assert settings.link_secret is None and settings.log_level == "INFO"


def test_every_variable_is_read_from_the_environment() -> None:
    settings = Settings.from_env({
        "REKINDLE_DATA_DIR": "/srv/rekindle", "REKINDLE_DATABASE_URL": "postgresql://db/r",
        "REKINDLE_KAFKA_BOOTSTRAP": "kafka:9092", "REKINDLE_BOOTSTRAP_TOKEN": "tok",
        "REKINDLE_STAGES": "lead, screen ,offer", "REKINDLE_ARCHIVE_REASONS": "gone,other",
        "REKINDLE_CONSENT_DEADLINE_DAYS": "14", "REKINDLE_ANONYMIZE_GRACE_DAYS": "3",
        "REKINDLE_DELETION_DELAY_DAYS": "2", "REKINDLE_MAX_JSON_BYTES": "100",
        "REKINDLE_MAX_FILE_BYTES": "200", "REKINDLE_MAX_IMPORT_BYTES": "300",
        "REKINDLE_PROJECTION_WAIT_S": "0.5", "REKINDLE_FORM_RATE_LIMIT": "4",
        "REKINDLE_AUTH_FAILURE_LIMIT": "6", "REKINDLE_ATS_URL": "http://ats.example:8080/api",
        "REKINDLE_ATS_SECRET": "s", "REKINDLE_ATS_TIMEOUT_S": "2.5",
        "REKINDLE_ATS_MAX_ATTEMPTS": "2", "REKINDLE_ATS_LATE_STAGES": "final",
        "REKINDLE_PROJECTION_BATCH": "10", "REKINDLE_PROJECTION_LINGER_S": "0",
        "REKINDLE_PROJECTION_BULK_LAG": "7", "REKINDLE_SCHEDULER_INTERVAL_S": "1",
        "REKINDLE_POOL_SIZE": "5", "POSTGRES_POOL_SIZE": "3", "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_CONNECT_TIMEOUT": "9", "REKINDLE_SMTP_URL": "smtp://127.0.0.1:2525",
        "REKINDLE_MAIL_FROM": "Talent <talent@example.com>",
        "REKINDLE_PUBLIC_URL": "https://talent.example.com/", "REKINDLE_CONSENT_REMINDER_DAYS": "5",
        "REKINDLE_CONSENT_VALID_DAYS": "100", "REKINDLE_CONSENT_RENEWAL_DAYS": "10",
        "REKINDLE_MAIL_MAX_ATTEMPTS": "3", "REKINDLE_LINK_SECRET": "x" * 32,
        "REKINDLE_TRUSTED_PROXIES": "1", "REKINDLE_LOG_FORMAT": "text",
        "REKINDLE_LOG_LEVEL": "debug",
    })
    assert settings.data_dir == Path("/srv/rekindle")
    assert settings.stages == ("lead", "screen", "offer")
    assert settings.archive_reasons == ("gone", "other") and settings.ats_late_stages == ("final",)
    assert (settings.consent_deadline_days, settings.anonymize_grace_days,
            settings.deletion_delay_days) == (14, 3, 2)
    assert (settings.max_json_bytes, settings.max_file_bytes, settings.max_import_bytes) == (
        100, 200, 300)
    assert (settings.form_rate_limit_per_minute, settings.auth_failure_limit_per_minute) == (4, 6)
    assert settings.ats_timeout_s == 2.5 and settings.ats_max_attempts == 2
    assert (settings.projection_batch_size, settings.projection_linger_s,
            settings.projection_bulk_lag_events) == (10, 0.0, 7)
    assert (settings.pool_size, settings.event_store_pool_size, settings.event_store_max_overflow,
            settings.event_store_connect_timeout_s) == (5, 3, 0, 9)
    assert settings.smtp_url is not None and settings.smtp_url.host == "127.0.0.1"
    assert settings.public_url == "https://talent.example.com"  # links append "/consent/..."
    assert (settings.consent_reminder_days, settings.consent_valid_days,
            settings.consent_renewal_days) == (5, 100, 10)
    assert settings.mail_max_attempts == 3 and settings.trusted_proxies == 1
    assert settings.log_format == "text" and settings.log_level == "DEBUG"


def test_an_empty_variable_counts_as_unset() -> None:
    assert Settings.from_env({"REKINDLE_CONSENT_DEADLINE_DAYS": "", "REKINDLE_STAGES": ""}) == \
        Settings()


def test_a_value_that_is_no_number_is_named_with_its_allowed_range() -> None:
    assert problems({"REKINDLE_CONSENT_DEADLINE_DAYS": "abc"}) == (
        "REKINDLE_CONSENT_DEADLINE_DAYS: expected an integer >= 1, got 'abc'",)


@pytest.mark.parametrize(("variable", "value", "allowed"), [
    ("REKINDLE_MAX_JSON_BYTES", "-1", "an integer >= 1"),
    ("REKINDLE_MAX_FILE_BYTES", "0", "an integer >= 1"),
    ("REKINDLE_MAX_IMPORT_BYTES", "1.5", "an integer >= 1"),
    ("REKINDLE_CONSENT_DEADLINE_DAYS", "0", "an integer >= 1"),
    ("REKINDLE_ANONYMIZE_GRACE_DAYS", "-1", "an integer >= 0"),
    ("REKINDLE_DELETION_DELAY_DAYS", "-3", "an integer >= 0"),
    ("REKINDLE_PROJECTION_WAIT_S", "0", "a number > 0"),
    ("REKINDLE_ATS_TIMEOUT_S", "inf", "a number > 0"),
    ("REKINDLE_SCHEDULER_INTERVAL_S", "nan", "a number > 0"),
    ("REKINDLE_FORM_RATE_LIMIT", "0", "an integer >= 1"),
    ("REKINDLE_PROJECTION_BATCH", "0", "an integer >= 1"),
    ("REKINDLE_PROJECTION_LINGER_S", "-0.1", "a number >= 0"),
    ("REKINDLE_POOL_SIZE", "0", "an integer >= 1"),
    ("POSTGRES_POOL_SIZE", "many", "an integer >= 1"),
    ("POSTGRES_MAX_OVERFLOW", "-1", "an integer >= 0"),
    ("POSTGRES_CONNECT_TIMEOUT", "0.5", "an integer >= 1"),
    ("REKINDLE_MAIL_MAX_ATTEMPTS", "0", "an integer >= 1"),
    ("REKINDLE_TRUSTED_PROXIES", "-1", "an integer >= 0"),
    ("REKINDLE_LOG_FORMAT", "xml", "one of json, text"),
    ("REKINDLE_LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
])
def test_a_value_out_of_range_is_refused_naming_the_variable(variable: str, value: str,
                                                              allowed: str) -> None:
    assert problems({variable: value}) == (f"{variable}: expected {allowed}, got {value!r}",)


def test_zero_is_allowed_where_it_means_none() -> None:
    settings = Settings.from_env({
        "REKINDLE_ANONYMIZE_GRACE_DAYS": "0", "REKINDLE_DELETION_DELAY_DAYS": "0",
        "REKINDLE_PROJECTION_LINGER_S": "0", "POSTGRES_MAX_OVERFLOW": "0",
        "REKINDLE_TRUSTED_PROXIES": "0"})
    assert settings.projection_linger_s == 0 and settings.event_store_max_overflow == 0


def test_each_bad_variable_gets_one_line() -> None:
    found = problems({"REKINDLE_CONSENT_DEADLINE_DAYS": "abc", "REKINDLE_MAX_JSON_BYTES": "-1",
                      "REKINDLE_STAGES": "a,b,a", "REKINDLE_CONSENT_VALID_DAYS": "10"})
    assert len(found) == 4
    assert {line.split(":", 1)[0] for line in found} == {
        "REKINDLE_CONSENT_DEADLINE_DAYS", "REKINDLE_MAX_JSON_BYTES", "REKINDLE_STAGES",
        "REKINDLE_CONSENT_RENEWAL_DAYS"}  # the conflict too, not only after the rest is fixed
    assert str(SettingsError(found)) == "\n".join(found)


@pytest.mark.parametrize("variable", ["REKINDLE_STAGES", "REKINDLE_ARCHIVE_REASONS",
                                      "REKINDLE_ATS_LATE_STAGES"])
def test_a_list_must_name_something_and_nothing_twice(variable: str) -> None:
    assert problems({variable: "a, b,a"}) == (
        f"{variable}: expected a comma-separated list of distinct names, got 'a, b,a' "
        "(a appears twice)",)
    assert problems({variable: " , "}) == (
        f"{variable}: expected a comma-separated list of distinct names, got ' , ' "
        "(it names none)",)


def test_keyword_arguments_are_checked_like_the_environment() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings(max_json_bytes=-1, stages=("a", "a"))
    assert raised.value.problems == (
        "REKINDLE_STAGES: expected a comma-separated list of distinct names, got ('a', 'a') "
        "(a appears twice)",
        "REKINDLE_MAX_JSON_BYTES: expected an integer >= 1, got -1")
    with pytest.raises(SettingsError, match="data_dirr: no such setting"):
        Settings(data_dirr="x")


def test_keyword_construction_does_not_read_the_environment(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REKINDLE_CONSENT_DEADLINE_DAYS", "12")
    monkeypatch.setenv("REKINDLE_MAX_JSON_BYTES", "-1")
    assert Settings(data_dir=tmp_path).consent_deadline_days == 30
    monkeypatch.setenv("REKINDLE_MAX_JSON_BYTES", "10")
    assert Settings.from_env().consent_deadline_days == 12


def test_settings_are_immutable_and_replace_checks_the_change() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.max_json_bytes = 5  # type: ignore[misc]
    smaller = settings.replace(max_json_bytes=5, stages=["a", "b"])
    assert smaller.max_json_bytes == 5 and smaller.stages == ("a", "b")
    assert settings.max_json_bytes == 1024 * 1024 and smaller.archive_reasons == \
        settings.archive_reasons
    with pytest.raises(SettingsError, match="REKINDLE_MAX_JSON_BYTES"):
        settings.replace(max_json_bytes=0)
    assert hash(smaller) != hash(settings)


@pytest.mark.parametrize(("url", "scheme", "host", "port", "user"), [
    ("smtp://mail.internal:2525", "smtp", "mail.internal", 2525, None),
    ("smtp://mail.internal", "smtp", "mail.internal", 25, None),
    ("smtp+starttls://ann:p%40ss@mail.example.com:587", "smtp+starttls", "mail.example.com",
     587, "ann"),
    ("smtp+starttls://ann:p%40ss@mail.example.com", "smtp+starttls", "mail.example.com", 587,
     "ann"),
    ("smtps://ann:p%40ss@mail.example.com", "smtps", "mail.example.com", 465, "ann"),
])
def test_the_smtp_url_is_parsed(url: str, scheme: str, host: str, port: int,
                                user: str | None) -> None:
    smtp = Settings.from_env({"REKINDLE_SMTP_URL": url}).smtp_url
    assert smtp is not None
    assert (smtp.scheme, smtp.host, smtp.port, smtp.username) == (scheme, host, port, user)
    if user:
        assert smtp.password == "p@ss"


@pytest.mark.parametrize(("url", "reason"), [
    ("http://ann:secret-pw@mail.example.com", "the scheme is 'http'"),
    ("mail.example.com:25", "the scheme is 'mail.example.com'"),
    ("smtps://ann:secret-pw@:465", "it names no host"),
    ("smtp://ann:secret-pw@mail.example.com:port", "its port is not a number from 1 to 65535"),
    ("smtp://ann:secret-pw@mail.example.com:70000", "its port is not a number from 1 to 65535"),
])
def test_a_bad_smtp_url_is_refused_without_showing_its_password(url: str, reason: str) -> None:
    assert problems({"REKINDLE_SMTP_URL": url}) == (
        "REKINDLE_SMTP_URL: expected smtp://host:port, smtp+starttls://user:password@host:587 "
        f"or smtps://user:password@host:465 ({reason})",)


def test_no_secret_shows_in_the_representation() -> None:
    settings = Settings.from_env({
        "REKINDLE_SMTP_URL": "smtps://ann:smtp-pw@mail.example.com",
        "REKINDLE_DATABASE_URL": "postgresql://rekindle:db-pw@db/rekindle",
        "REKINDLE_BOOTSTRAP_TOKEN": "boot-pw", "REKINDLE_ATS_SECRET": "ats-pw",
        "REKINDLE_LINK_SECRET": "link-pw-" + "x" * 24})
    shown = repr(settings) + str(settings) + repr(settings.smtp_url) + str(settings.smtp_url)
    for secret in ("smtp-pw", "db-pw", "boot-pw", "ats-pw", "link-pw"):
        assert secret not in shown
    assert str(settings.smtp_url) == "smtps://ann:***@mail.example.com:465"
    assert settings.link_secret == "link-pw-" + "x" * 24


def test_a_short_link_secret_is_refused_without_showing_it() -> None:
    assert problems({"REKINDLE_LINK_SECRET": "tiny-pw"}) == (
        "REKINDLE_LINK_SECRET: expected at least 16 characters",)


@pytest.mark.parametrize("value", ["no address", "a@", "Ann <ann@example.com>, bob@example.com"])
def test_the_sender_must_be_one_valid_address(value: str) -> None:
    assert problems({"REKINDLE_MAIL_FROM": value}) == (
        f"REKINDLE_MAIL_FROM: expected one address such as 'Rekindle <no-reply@example.com>', "
        f"got {value!r}",)


@pytest.mark.parametrize("variable", ["REKINDLE_PUBLIC_URL", "REKINDLE_ATS_URL"])
@pytest.mark.parametrize("value", ["ftp://files.example.com", "https://", "talent.example.com"])
def test_a_base_url_must_be_http_with_a_host(variable: str, value: str) -> None:
    assert problems({variable: value}) == (
        f"{variable}: expected an http:// or https:// URL with a host, got {value!r}",)


def test_the_consent_reminder_must_come_before_the_deadline_and_the_renewal_before_the_end(
        ) -> None:
    assert problems({"REKINDLE_CONSENT_REMINDER_DAYS": "30"}) == (
        "REKINDLE_CONSENT_REMINDER_DAYS: 30 is not before REKINDLE_CONSENT_DEADLINE_DAYS (30): "
        "the reminder must go out before a consent request's deadline",)
    both = problems({"REKINDLE_CONSENT_DEADLINE_DAYS": "5", "REKINDLE_CONSENT_REMINDER_DAYS": "7",
                     "REKINDLE_CONSENT_VALID_DAYS": "30"})
    assert both == (
        "REKINDLE_CONSENT_REMINDER_DAYS: 7 is not before REKINDLE_CONSENT_DEADLINE_DAYS (5): "
        "the reminder must go out before a consent request's deadline",
        "REKINDLE_CONSENT_RENEWAL_DAYS: 30 is not less than REKINDLE_CONSENT_VALID_DAYS (30): "
        "the renewal request must go out before the consent expires")
    fine = Settings.from_env({"REKINDLE_CONSENT_DEADLINE_DAYS": "8",
                              "REKINDLE_CONSENT_VALID_DAYS": "31"})
    assert fine.consent_reminder_days == 7 and fine.consent_renewal_days == 30


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_logs_are_json_unless_stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert Settings().log_format == "json"
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert Settings().log_format == "text"
    assert Settings.from_env({"REKINDLE_LOG_FORMAT": "json"}).log_format == "json"
