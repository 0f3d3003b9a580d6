"""ATS sync: applications out, ATS events in.

Outbound: the "ats" handler follows ApplicationSentToATS and POSTs the application to the
configured ATS (request shape: README, "The ATS interface"; modelled on Greenhouse
Harvest), with a timeout, retries with exponential backoff and jitter, and an
Idempotency-Key derived from the opportunity and the send event, so a retry or a
redelivery never creates two applications.
The outcome (ATSApplicationCreated, or ATSDeliveryFailed final) is recorded together with
the handler's tracking.

Inbound: `handle_ats_message` takes the raw bytes of an ATS event (HTTP route or the Kafka
topic `ats.events`) and records it once by its event id.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError, Tracking

from consumers import metrics
from consumers.delivery import RaceClock, RetryPolicy, recorded_already
from consumers.messages import Message
from domain.actor import Actor
from domain.errors import DomainError, NotFound, ValidationFailed
from domain.opportunity import Opportunity
from domain.store import EventStore

if TYPE_CHECKING:
    from consumers.context import Context

log = logging.getLogger(__name__)

INBOUND_TOPIC = "ats.events"
SIGNATURE_HEADER = "X-Rekindle-Signature"
IDEMPOTENCY_NAMESPACE = UUID("0e6c4a7b-9f3d-4c2e-8a51-6b7d2f1e3c90")
BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 10.0
RETRYABLE_STATUSES = (408, 409, 425, 429)


class MalformedAtsMessage(ValueError):
    """An inbound ATS message that cannot be handled (the Kafka runner parks it on the DLQ)."""


class DeliveryFailed(Exception):
    """The ATS did not accept the application; `message` holds no personal data."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


# --- signatures -----------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str | None, body: bytes, header: str | None) -> bool:
    """HMAC-SHA256 hex of the raw body, with or without a "sha256=" prefix."""
    if not secret or not header:
        return False
    given = header.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    return hmac.compare_digest(sign(secret, body), given.lower())


# --- inbound --------------------------------------------------------------------------------------


def handle_ats_message(raw: bytes, runtime: Context) -> None:
    """Records one inbound ATS event; raises MalformedAtsMessage for input that never will be."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedAtsMessage(f"not JSON: {error}") from None
    try:
        runtime.rekindle.ats.receive(doc, Actor.system())
    except ValidationFailed as error:
        raise MalformedAtsMessage(f"{error.message}: {sorted(error.details)}") from None


# --- outbound -------------------------------------------------------------------------------------


def idempotency_key(opportunity_id: UUID, send_event_id: UUID) -> str:
    return str(uuid5(IDEMPOTENCY_NAMESPACE, f"{opportunity_id}:{send_event_id}"))


@dataclass(frozen=True)
class Delivered:
    application_id: str
    ats_candidate_id: str | None


class AtsClient:
    """POSTs to the ATS with timeout, bounded retries, backoff with jitter, one idempotency key."""

    def __init__(self, base_url: str, *, timeout_s: float, max_attempts: int,
                 secret: str | None = None, backoff_base_s: float = BACKOFF_BASE_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.secret = secret
        self.backoff_base_s = backoff_base_s

    def send_application(self, payload: dict[str, Any], external_candidate_id: str | None,
                         key: str) -> Delivered:
        if external_candidate_id is not None:
            path = f"/v1/candidates/{urllib.parse.quote(external_candidate_id, safe='')}" \
                   "/applications"
        else:
            path = "/v1/candidates"
        body = self._post_with_retries(path, payload, key)
        try:
            if external_candidate_id is not None:
                return Delivered(str(body["id"]), external_candidate_id)
            return Delivered(str(body["applications"][0]["id"]), str(body["id"]))
        except (KeyError, IndexError, TypeError):
            raise DeliveryFailed("the ATS answered without an application id", False) from None

    def _post_with_retries(self, path: str, payload: dict[str, Any], key: str) -> Any:
        data = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "Idempotency-Key": key, "User-Agent": "Rekindle-ATS-sync/1"}
        if self.secret:
            headers[SIGNATURE_HEADER] = "sha256=" + sign(self.secret, data)
        last = "not attempted"
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._post_once(self.base_url + path, data, headers)
            except DeliveryFailed as error:
                last = error.message
                if not error.retryable:
                    raise DeliveryFailed(f"{last} (attempt {attempt}, not retried)",
                                         False) from None
            log.info("ATS delivery attempt %d/%d failed: %s", attempt, self.max_attempts, last)
            if attempt < self.max_attempts:
                time.sleep(self.backoff(attempt))
        raise DeliveryFailed(f"{last} after {self.max_attempts} attempts", False)

    def backoff(self, attempt: int) -> float:
        """Exponential with "equal jitter": half fixed, half random, capped."""
        delay = min(BACKOFF_CAP_S, self.backoff_base_s * 2 ** (attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)

    def _post_once(self, url: str, data: bytes, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                raw = response.read(1024 * 1024)
        except urllib.error.HTTPError as error:
            retryable = error.code >= 500 or error.code in RETRYABLE_STATUSES
            raise DeliveryFailed(f"HTTP {error.code}", retryable) from None
        except TimeoutError:
            raise DeliveryFailed(f"timed out after {self.timeout_s:g} s", True) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise DeliveryFailed(f"timed out after {self.timeout_s:g} s", True) from None
            raise DeliveryFailed(f"connection failed: {type(reason).__name__}", True) from None
        except (ConnectionError, OSError) as error:
            raise DeliveryFailed(f"connection failed: {type(error).__name__}", True) from None
        try:
            return json.loads(raw)
        except ValueError:
            raise DeliveryFailed("the ATS answered with something that is not JSON",
                                 False) from None


def park_on_dlq(bootstrap: str, message: Message, error: str) -> None:
    """With Kafka, a finally failed send is also parked on `rekindle.events.dlq` for operators."""
    from kafka import KafkaProducer

    from consumers.kafka import EVENTS_TOPIC, close_producer, producer_config

    producer = KafkaProducer(**producer_config(bootstrap))
    try:
        producer.send(f"{EVENTS_TOPIC}.dlq", key=str(message.key).encode(),
                      value=message.to_json(),
                      headers=[("error", error.encode()), ("handler", b"ats"),
                               ("event_id", str(message.event_id).encode())]).get(timeout=30)
    finally:
        close_producer(producer)


class AtsSender:
    """The "ats" handler: delivers applications marked ApplicationSentToATS."""

    name = "ats"

    def wants(self, message: Message) -> bool:
        return message.aggregate_type == "Opportunity" and message.type == "ApplicationSentToATS"

    def handle(self, message: Message, runtime: Context, tracking_name: str) -> None:
        store, ats = runtime.rekindle.store, runtime.rekindle.ats
        tracking = Tracking(tracking_name, message.position)
        if not self._still_pending(store, message):
            self._track_only(store, tracking)
            return
        settings = runtime.settings
        if not settings.ats_url:
            outcome: dict[str, Any] = {"error": "no ATS is configured (REKINDLE_ATS_URL)"}
        else:
            client = AtsClient(settings.ats_url, timeout_s=settings.ats_timeout_s,
                               max_attempts=settings.ats_max_attempts, secret=settings.ats_secret)
            try:
                payload, external_id = ats.payload(message.aggregate_id)
                delivered = client.send_application(
                    payload, external_id, idempotency_key(message.aggregate_id, message.event_id))
                outcome = {"application_id": delivered.application_id,
                           "ats_candidate_id": delivered.ats_candidate_id}
            except DeliveryFailed as error:
                outcome = {"error": error.message}
            except NotFound as error:
                outcome = {"error": error.message}
        if not self._record(runtime, message, tracking, outcome):
            log.info("ATS outcome for %s was already recorded", message.aggregate_id)
            return
        metrics.ats_delivered("failed" if "error" in outcome else "delivered")
        if "error" in outcome and settings.kafka_bootstrap:
            park_on_dlq(settings.kafka_bootstrap, message, outcome["error"])

    @staticmethod
    def _record(runtime: Context, message: Message, tracking: Tracking,
                outcome: dict[str, Any]) -> bool:
        """Records the outcome with the tracking; False if it already was (another delivery).

        The ATS has answered: an outcome that loses a race to a command on the opportunity
        is recorded again on fresh state, never dropped, since the call is not repeated.
        """
        clock = RaceClock("ats", RetryPolicy(), threading.Event())
        while True:
            try:
                runtime.rekindle.ats.record_outcome(message.aggregate_id, Actor.system(),
                                                    tracking=tracking, **outcome)
                return True
            except IntegrityError as error:
                if recorded_already(runtime, tracking.application_name, message.position):
                    return False
                if not clock.lose(message.event_id, error):
                    raise

    @staticmethod
    def _still_pending(store: EventStore, message: Message) -> bool:
        """Only the latest send of a still-pending application is delivered."""
        try:
            opportunity = store.load(Opportunity, message.aggregate_id)
        except DomainError:
            return False
        if opportunity.ats is None or opportunity.ats["status"] != "pending":
            return False
        later = store.recorder.select_events(message.aggregate_id, gt=message.version)
        return not any(e.topic.endswith("ApplicationSentToATS") for e in later)

    @staticmethod
    def _track_only(store: EventStore, tracking: Tracking) -> None:
        with contextlib.suppress(IntegrityError):
            store.record(tracking=tracking)
