"""Personal data, sealed with its subject's own key (crypto-shredding).

Events never hold personal values in the clear: they hold a `Personal` value, which the
event transcoder encrypts with AES-GCM under the subject's key. Once the key is destroyed
the same events still load, with `Personal.data` as None, so history, statistics and
projection rebuilds keep working after an erasure.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Transcoding

from domain.ports import KeyStore

ERASED = "[erased]"


@dataclass(frozen=True)
class Personal:
    subject_id: UUID
    data: dict[str, Any] | None

    @property
    def erased(self) -> bool:
        return self.data is None

    def get(self, key: str, default: Any = None) -> Any:
        if self.data is None:
            return ERASED if isinstance(default, str) or default is None else default
        return self.data.get(key, default)


class MissingKey(Exception):
    """A personal value was sealed for a subject that has no key (erased, or never created)."""


class PersonalAsSealed(Transcoding):
    type = Personal
    name = "personal"

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    def encode(self, obj: Personal) -> dict[str, str]:
        key = self.keys.key_for(obj.subject_id)
        if key is None:
            raise MissingKey(f"no key for subject {obj.subject_id}")
        nonce = os.urandom(12)
        plaintext = json.dumps(obj.data, separators=(",", ":")).encode()
        sealed = AESGCM(key).encrypt(nonce, plaintext, obj.subject_id.bytes)
        return {"s": obj.subject_id.hex, "c": base64.b64encode(nonce + sealed).decode()}

    def decode(self, data: dict[str, str]) -> Personal:
        subject_id = UUID(data["s"])
        key = self.keys.key_for(subject_id)
        if key is None:
            return Personal(subject_id, None)
        raw = base64.b64decode(data["c"])
        plaintext = AESGCM(key).decrypt(raw[:12], raw[12:], subject_id.bytes)
        return Personal(subject_id, json.loads(plaintext))
