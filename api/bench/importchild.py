"""The import as its own process (`python -m api.bench.importchild FILE`), so the bench can read
the import's peak RSS alone; used when the `rekindle import` command is not installed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from api.bootstrap import Runtime
from api.intake.importer import prepare_import
from domain.actor import Actor
from domain.user import parse_token


def main(path: str) -> None:
    with Runtime() as runtime:
        runtime.start(projections=False, workers=False)
        token = runtime.settings.bootstrap_token
        assert token, "REKINDLE_BOOTSTRAP_TOKEN names the importing super_admin"
        by = Actor(parse_token(token)[0], "super_admin")
        job = prepare_import(runtime.rekindle, Path(path), by).run()
        print(json.dumps(job.summary(), default=str))


if __name__ == "__main__":
    main(sys.argv[1])
