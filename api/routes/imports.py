"""Spreadsheet imports: upload, then follow the job's progress."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from flask import Response

from api import responses
from api.app import command_response, found, pool, rekindle, wait_for
from api.auth import READERS, RECRUITERS, current_actor, requires
from api.blueprint import Blueprint
from api.fields import Id, Text
from api.idempotency import idempotent
from api.intake.importer import prepare_import
from api.schemas import FileUpload, ReadArgs, Strict
from domain.recorded import Recorded
from projections import crm_queries

blp = Blueprint("imports", __name__, url_prefix="/v1",
                description="Bulk import of candidates from .csv, .xlsx, .xls or .ods files")

COPY_CHUNK = 1024 * 1024


class ImportForm(Strict):
    pool_id = Id(metadata={"description": "pool every imported candidate joins"})
    tags = Text(max_length=2000,
                         metadata={"description": "tags for every candidate, comma separated"})
    source = Text(max_length=200,
                           metadata={"description": 'source; defaults to "Excel import"'})


@blp.route("/imports", methods=["POST"])
@requires(*RECRUITERS)
@blp.arguments(ImportForm, location="form")
@blp.arguments(FileUpload, location="files")
@responses.command(blp, 202, responses.ImportStatus)
@idempotent(candidate_field=None)
def start_import(form: dict[str, Any], files: dict[str, Any]) -> Response:
    """Checks the file (format, size, header), then imports it in the background."""
    service = rekindle()
    path = _spool(files["file"], service.settings.max_import_bytes)
    try:
        prepared = prepare_import(service, path, current_actor(), source=form.get("source"),
                                  pool_id=form.get("pool_id"), tags=_split(form.get("tags")),
                                  delete_after=True, name=files["file"].filename)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    prepared.run_in_background()
    return command_response(Recorded(prepared.id, None),
                            {"id": str(prepared.id), "status": "running"}, 202)


@blp.route("/imports/<uuid:import_id>", methods=["GET"])
@requires(*READERS)
@blp.arguments(ReadArgs, location="query")
@responses.read(blp, responses.ImportStatus)
def get_import(args: dict[str, Any], import_id: UUID) -> Response:
    """The import's progress from the read model (poll it; `min_position` as everywhere)."""
    wait_for(args.get("min_position"), crm_queries.VIEWS)
    return found(responses.ImportStatus, crm_queries.get_import(pool(), import_id), "import",
                 import_id)


def _spool(upload: Any, limit: int) -> Path:
    """Copies the upload to a temporary file, at most one byte over the limit (then refused)."""
    handle, name = tempfile.mkstemp(prefix="rekindle-import-")
    with os.fdopen(handle, "wb") as out:
        remaining = limit + 1
        while remaining > 0 and (chunk := upload.stream.read(min(COPY_CHUNK, remaining))):
            out.write(chunk)
            remaining -= len(chunk)
    return Path(name)


def _split(tags: str | None) -> list[str]:
    return [t.strip() for t in re.split(r"[,;]", tags or "") if t.strip()]


