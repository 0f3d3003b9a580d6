"""An opportunity's files, part of the profiles view (read.opportunity_files): their facts,
and their names, which are the candidate's personal data ('[erased]' once erased). The bytes
are in file storage, never here. Files copied with an opportunity come in its InfoCopied,
which the view applies with the opportunity's other copied columns."""

from __future__ import annotations

from typing import Any

from psycopg import Cursor

from domain.personal import ERASED
from projections.postings_users import personal_data

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.opportunity_files (
        id uuid PRIMARY KEY, opportunity_id uuid NOT NULL, candidate_id uuid NOT NULL,
        name text, secret boolean NOT NULL, kind text NOT NULL, sha256 text NOT NULL,
        size bigint NOT NULL, content_type text, copied_from_file_id uuid,
        attached_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS files_opportunity ON read.opportunity_files (opportunity_id)",
)
TABLES = ("opportunity_files",)


class OpportunityFileRows:
    """The profiles view's handlers of files attached and removed."""

    def on_FileAttached(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = personal_data(e.personal)
        meta = e.file
        cur.execute(
            "INSERT INTO read.opportunity_files (id, opportunity_id, candidate_id, name, secret, "
            "kind, sha256, size, content_type, copied_from_file_id, attached_at) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (meta["id"], e.originator_id, e.personal.subject_id,
             ERASED if data is None else data.get("name"), meta["secret"], meta["kind"],
             meta["sha256"], meta["size"], meta.get("content_type"),
             meta.get("copied_from_file_id"), e.timestamp))

    def on_FileRemoved(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("DELETE FROM read.opportunity_files WHERE id = %s AND opportunity_id = %s",
                    (e.file_id, e.originator_id))
