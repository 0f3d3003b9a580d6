"""The stack's floor: Flask behind waitress, configured as `rekindle serve`, answering a JSON
POST with 201 and doing nothing else. `api_write`'s clients drive it in the same run, so every
report shows the rate a route reaches before any of Rekindle's work (authentication,
validation, the aggregate, the events, the read model)."""

from __future__ import annotations

import threading

import click
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from api.process import tune_interpreter
from api.server import listener

PATH = "/v1/candidates"


def create_app() -> Flask:
    app = Flask(__name__)
    lock = threading.Lock()
    answered = [0]

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        """Also says how many POSTs were answered, so a test can check what the bench counts."""
        return jsonify({"answered": answered[0]})

    @app.post(PATH)
    def create() -> ResponseReturnValue:
        body = request.get_json()
        with lock:
            answered[0] += 1
        return jsonify({"id": "0", "name": body["name"]}), 201

    return app


@click.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, required=True)
@click.option("--threads", default=24, type=int)
def main(host: str, port: int, threads: int) -> None:
    """Serves until killed (the bench stops it with SIGTERM)."""
    tune_interpreter()
    listener(create_app(), host, port, threads, max_body=65536).run()


if __name__ == "__main__":
    main()
