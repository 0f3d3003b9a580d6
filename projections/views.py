"""The core read model: candidates, opportunities, their files, postings and users.

Tables (schema `read`, documented for analysts in the README): candidates,
opportunities, opportunity_files, postings, users, and the view posting_pipeline.
Personal values come from events as `Personal`; an erased one (data None) is stored as
NULL (text) or an empty list, and file names as '[erased]', so a rebuild after an
anonymization gives the same rows as the live view that purged them.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.types.json import Jsonb

from domain.personal import ERASED
from projections.runner import ReadProjection, ReadView

TABLES_SQL = (
    """CREATE TABLE IF NOT EXISTS read.candidates (
        id uuid PRIMARY KEY,
        name text, emails text[] NOT NULL DEFAULT '{}', phones text[] NOT NULL DEFAULT '{}',
        location text, headline text, links text[] NOT NULL DEFAULT '{}',
        tags text[] NOT NULL DEFAULT '{}', sources text[] NOT NULL DEFAULT '{}', origin text,
        pools uuid[] NOT NULL DEFAULT '{}', external_ids jsonb NOT NULL DEFAULT '{}',
        consent_status text NOT NULL DEFAULT 'none', consent_deadline timestamptz,
        consent_granted_at timestamptz, consent_channel text,
        deletion_requested_at timestamptz, anonymized_at timestamptz,
        opportunity_tags text[] NOT NULL DEFAULT '{}',
        opportunity_sources text[] NOT NULL DEFAULT '{}',
        archive_reasons text[] NOT NULL DEFAULT '{}', stages text[] NOT NULL DEFAULT '{}',
        posting_ids uuid[] NOT NULL DEFAULT '{}',
        search tsvector NOT NULL DEFAULT ''::tsvector,
        created_at timestamptz NOT NULL, created_by uuid, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS candidates_created ON read.candidates (created_at, id)",
    "CREATE INDEX IF NOT EXISTS candidates_search ON read.candidates USING gin (search)",
    "CREATE INDEX IF NOT EXISTS candidates_tags ON read.candidates "
    "USING gin ((tags || opportunity_tags))",
    "CREATE INDEX IF NOT EXISTS candidates_sources ON read.candidates "
    "USING gin ((sources || opportunity_sources))",
    "CREATE INDEX IF NOT EXISTS candidates_pools ON read.candidates USING gin (pools)",
    "CREATE INDEX IF NOT EXISTS candidates_reasons ON read.candidates USING gin (archive_reasons)",
    "CREATE INDEX IF NOT EXISTS candidates_stages ON read.candidates USING gin (stages)",
    """CREATE TABLE IF NOT EXISTS read.opportunities (
        id uuid PRIMARY KEY, candidate_id uuid NOT NULL, posting_id uuid,
        owner_id uuid, stage text NOT NULL, origin text NOT NULL,
        sources text[] NOT NULL DEFAULT '{}', tags text[] NOT NULL DEFAULT '{}',
        referrer_id uuid, referral_relationship text, referral_notes text,
        archive_reason text, archived_at timestamptz, archived_by uuid,
        copied_from_id uuid, copied_categories text[],
        ats_status text, ats_external_id text, ats_last_error text,
        created_at timestamptz NOT NULL, created_by uuid, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS opportunities_candidate ON read.opportunities (candidate_id)",
    "CREATE INDEX IF NOT EXISTS opportunities_posting ON read.opportunities (posting_id, stage)",
    """CREATE TABLE IF NOT EXISTS read.opportunity_files (
        id uuid PRIMARY KEY, opportunity_id uuid NOT NULL, candidate_id uuid NOT NULL,
        name text, secret boolean NOT NULL, kind text NOT NULL, sha256 text NOT NULL,
        size bigint NOT NULL, content_type text, copied_from_file_id uuid,
        attached_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS files_opportunity ON read.opportunity_files (opportunity_id)",
    """CREATE TABLE IF NOT EXISTS read.postings (
        id uuid PRIMARY KEY, title text NOT NULL, team text, location text, state text NOT NULL,
        hiring_team uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS postings_created ON read.postings (created_at, id)",
    """CREATE TABLE IF NOT EXISTS read.users (
        id uuid PRIMARY KEY, name text, email text, role text NOT NULL,
        created_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS users_created ON read.users (created_at, id)",
    """CREATE OR REPLACE VIEW read.posting_pipeline AS
        SELECT posting_id, stage, count(*) AS opportunities FROM read.opportunities
        WHERE posting_id IS NOT NULL AND archived_at IS NULL GROUP BY posting_id, stage""",
)


class ProfilesView(ReadView):
    tables_sql = TABLES_SQL
    tables = ("candidates", "opportunities", "opportunity_files", "postings", "users")
    views = ("posting_pipeline",)


def _data(personal: Any) -> dict[str, Any] | None:
    return None if personal is None else personal.data


def _search_text(name: str | None, emails: list[str]) -> str:
    """Name, addresses, and their local parts and domains split into words."""
    words = [name or ""]
    for address in emails:
        local, _, domain = address.lower().partition("@")
        words += [address.lower(), local.replace(".", " ").replace("_", " ").replace("-", " "),
                  domain]
    return " ".join(words)


class ProfilesProjection(ReadProjection):
    """Candidate profiles with their opportunities, files, postings and users."""

    name = "profiles"
    view_class: ClassVar[type[ReadView]] = ProfilesView

    # --- candidates ---------------------------------------------------------------------------

    def on_CandidateCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = _data(e.personal) or {}
        emails = list(data.get("emails", []))
        cur.execute(
            "INSERT INTO read.candidates (id, name, emails, phones, location, headline, links, "
            "tags, sources, origin, search, created_at, created_by, updated_at) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, to_tsvector('simple', %s), %s, %s, %s) "
            "ON CONFLICT (id) DO NOTHING",
            (e.originator_id, data.get("name"), emails, list(data.get("phones", [])),
             data.get("location"), data.get("headline"), list(data.get("links", [])),
             list(e.tags), list(e.sources), e.origin, _search_text(data.get("name"), emails),
             e.timestamp, e.by.user_id, e.timestamp))

    def on_ProfileUpdated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = _data(e.personal) or {}
        sets, args = ["updated_at = %s"], [e.timestamp]
        for key in ("name", "emails", "phones", "location", "headline", "links"):
            if key in data:
                sets.append(f"{key} = %s")
                args.append(data[key])
        for key in ("tags", "sources"):
            if getattr(e, key) is not None:
                sets.append(f"{key} = %s")
                args.append(list(getattr(e, key)))
        if "name" in data or "emails" in data:
            sets.append("search = to_tsvector('simple', %s)")
            with cur.connection.cursor() as read:  # its own cursor: see process_batch
                read.execute("SELECT name, emails FROM read.candidates WHERE id = %s",
                             (e.originator_id,))
                row = read.fetchone() or {"name": None, "emails": []}
            args.append(_search_text(data.get("name", row["name"]),
                                     data.get("emails", row["emails"]) or []))
        cur.execute(f"UPDATE read.candidates SET {', '.join(sets)} WHERE id = %s",
                    (*args, e.originator_id))

    def _array_op(self, cur: Cursor[Any], e: Any, column: str, value: Any, add: bool) -> None:
        if add:
            sql = (f"UPDATE read.candidates SET {column} = {column} || %s, updated_at = %s "
                   f"WHERE id = %s AND NOT (%s = ANY({column}))")
            cur.execute(sql, ([value], e.timestamp, e.originator_id, value))
        else:
            sql = (f"UPDATE read.candidates SET {column} = array_remove({column}, %s), "
                   f"updated_at = %s WHERE id = %s")
            cur.execute(sql, (value, e.timestamp, e.originator_id))

    def on_CandidateTagged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._array_op(cur, e, "tags", e.tag, True)

    def on_CandidateUntagged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._array_op(cur, e, "tags", e.tag, False)

    def on_SourceAdded(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._array_op(cur, e, "sources", e.source, True)

    def on_AddedToPool(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._array_op(cur, e, "pools", e.pool_id, True)

    def on_RemovedFromPool(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._array_op(cur, e, "pools", e.pool_id, False)

    def on_ExternalIdLinked(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.candidates SET external_ids = external_ids || %s, "
                    "updated_at = %s WHERE id = %s",
                    (Jsonb({e.system: e.external_id}), e.timestamp, e.originator_id))

    def _consent(self, cur: Cursor[Any], e: Any, status: str, deadline: str, granted: Any,
                 channel: Any = None) -> None:
        cur.execute("UPDATE read.candidates SET consent_status = %s, "
                    f"consent_deadline = {deadline}, consent_granted_at = %s, "
                    "consent_channel = %s, updated_at = %s WHERE id = %s",
                    (status, granted, channel, e.timestamp, e.originator_id))

    def on_ConsentRequested(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.candidates SET consent_status = 'requested', "
                    "consent_deadline = %s, consent_granted_at = NULL, consent_channel = NULL, "
                    "updated_at = %s "
                    "WHERE id = %s", (e.deadline, e.timestamp, e.originator_id))

    def on_ConsentGranted(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._consent(cur, e, "granted", "NULL", e.at, e.channel)

    def on_ConsentRevoked(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._consent(cur, e, "revoked", "NULL", None)

    def on_ConsentExpired(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._consent(cur, e, "expired", "consent_deadline", None)

    def on_DeletionRequested(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.candidates SET deletion_requested_at = %s, updated_at = %s "
                    "WHERE id = %s", (e.at, e.timestamp, e.originator_id))

    def on_CandidateAnonymized(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        """Purges every personal value of the candidate from every table of this view."""
        cur.execute("UPDATE read.candidates SET name = NULL, emails = '{}', phones = '{}', "
                    "location = NULL, headline = NULL, links = '{}', search = ''::tsvector, "
                    "external_ids = '{}', anonymized_at = %s, updated_at = %s WHERE id = %s",
                    (e.at, e.timestamp, e.originator_id))
        cur.execute("UPDATE read.opportunity_files SET name = %s WHERE candidate_id = %s",
                    (ERASED, e.originator_id))
        cur.execute("UPDATE read.opportunities SET referral_relationship = NULL, "
                    "referral_notes = NULL WHERE candidate_id = %s", (e.originator_id,))

    # --- opportunities ------------------------------------------------------------------------

    def _touch(self, cur: Cursor[Any], e: Any, touched: set[Any], sets: str,
               args: tuple[Any, ...]) -> None:
        cur.execute(f"UPDATE read.opportunities SET {sets}, updated_at = %s WHERE id = %s",
                    (*args, e.timestamp, e.originator_id))
        touched.add(e.originator_id)

    def on_OpportunityCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute(
            "INSERT INTO read.opportunities (id, candidate_id, posting_id, owner_id, stage, "
            "origin, sources, tags, created_at, created_by, updated_at) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (e.originator_id, e.candidate_id, e.posting_id, e.owner_id, e.stage, e.origin,
             list(e.sources), list(e.tags), e.timestamp, e.by.user_id, e.timestamp))
        touched.add(e.originator_id)

    def on_InfoCopied(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = _data(e.personal)
        names = (data or {}).get("file_names", {})
        for meta in e.files:
            self._insert_file(cur, e, None, meta,
                              names.get(meta["id"].hex) if data is not None else ERASED)
        # the copied sources and tags the opportunity lacks are appended in their order
        sets = ("sources = sources || ARRAY(SELECT x FROM unnest(%s::text[]) WITH ORDINALITY "
                "AS u(x, n) WHERE x <> ALL(sources) ORDER BY n), "
                "tags = tags || ARRAY(SELECT x FROM unnest(%s::text[]) WITH ORDINALITY "
                "AS u(x, n) WHERE x <> ALL(tags) ORDER BY n), "
                "copied_from_id = %s, copied_categories = %s, origin = COALESCE(%s, origin)")
        args: tuple[Any, ...] = (list(e.sources), list(e.tags), e.source_opportunity_id,
                                 list(e.categories), e.origin or None)
        if e.referral is not None:
            referral = (data or {}).get("referral", {})
            sets += ", referrer_id = %s, referral_relationship = %s, referral_notes = %s"
            args += (e.referral["referrer_id"], referral.get("relationship"),
                     referral.get("notes"))
        self._touch(cur, e, touched, sets, args)

    def on_OpportunityArchived(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "archive_reason = %s, archived_at = %s, archived_by = %s",
                    (e.reason, e.at, e.by.user_id))

    def on_OpportunityUnarchived(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched,
                    "archive_reason = NULL, archived_at = NULL, archived_by = NULL", ())

    def on_ConvertedToPosting(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "posting_id = %s", (e.posting_id,))

    def on_StageChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "stage = %s", (e.stage,))

    def on_OwnerChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "owner_id = %s", (e.owner_id,))

    def on_TagAdded(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched,
                    "tags = CASE WHEN %s = ANY(tags) THEN tags ELSE tags || %s END",
                    (e.tag, [e.tag]))

    def on_TagRemoved(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "tags = array_remove(tags, %s)", (e.tag,))

    def _insert_file(self, cur: Cursor[Any], e: Any, candidate_id: UUID | None,
                     meta: dict[str, Any], name: str | None) -> None:
        """candidate_id None: the opportunity's own (read in SQL, no round trip)."""
        cur.execute(
            "INSERT INTO read.opportunity_files (id, opportunity_id, candidate_id, name, secret, "
            "kind, sha256, size, content_type, copied_from_file_id, attached_at) "
            "SELECT %s, o.id, coalesce(%s::uuid, o.candidate_id), %s, %s, %s, %s, %s, %s, %s, %s "
            "FROM read.opportunities o WHERE o.id = %s ON CONFLICT (id) DO NOTHING",
            (meta["id"], candidate_id, name, meta["secret"], meta["kind"], meta["sha256"],
             meta["size"], meta.get("content_type"), meta.get("copied_from_file_id"),
             e.timestamp, e.originator_id))

    def on_FileAttached(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = _data(e.personal)
        self._insert_file(cur, e, e.personal.subject_id, e.file,
                          ERASED if data is None else data.get("name"))

    def on_FileRemoved(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("DELETE FROM read.opportunity_files WHERE id = %s AND opportunity_id = %s",
                    (e.file_id, e.originator_id))

    def on_ReferralRecorded(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = _data(e.personal) or {}
        self._touch(cur, e, touched,
                    "referrer_id = %s, referral_relationship = %s, referral_notes = %s",
                    (e.referrer_id, data.get("relationship"), data.get("notes")))

    def on_ApplicationSentToATS(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "ats_status = 'pending', ats_external_id = NULL, "
                    "ats_last_error = NULL", ())

    def on_ATSApplicationCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "ats_status = 'sent', ats_external_id = %s, "
                    "ats_last_error = NULL", (e.external_id,))

    def on_ATSDeliveryFailed(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        self._touch(cur, e, touched, "ats_status = %s, ats_external_id = NULL, ats_last_error = %s",
                    ("failed" if e.final else "pending", e.error))

    def after_batch(self, cur: Cursor[Any], touched: set[Any]) -> None:
        """`touched` holds opportunity ids: their candidates' opportunity columns are redone."""
        if not touched:
            return
        cur.execute(
            "UPDATE read.candidates c SET opportunity_tags = a.tags, "
            "opportunity_sources = a.sources, archive_reasons = a.reasons, stages = a.stages, "
            "posting_ids = a.postings FROM ("
            "  SELECT candidate_id,"
            "   coalesce(array_agg(DISTINCT t) FILTER (WHERE t IS NOT NULL), '{}') AS tags,"
            "   coalesce(array_agg(DISTINCT s) FILTER (WHERE s IS NOT NULL), '{}') AS sources,"
            "   coalesce(array_agg(DISTINCT archive_reason)"
            "     FILTER (WHERE archive_reason IS NOT NULL), '{}') AS reasons,"
            "   coalesce(array_agg(DISTINCT stage), '{}') AS stages,"
            "   coalesce(array_agg(DISTINCT posting_id) FILTER (WHERE posting_id IS NOT NULL),"
            "     '{}') AS postings"
            "  FROM read.opportunities o"
            "  LEFT JOIN LATERAL unnest(CASE WHEN o.tags = '{}' THEN ARRAY[NULL] ELSE o.tags END)"
            "    AS t ON true"
            "  LEFT JOIN LATERAL unnest(CASE WHEN o.sources = '{}' THEN ARRAY[NULL] "
            "    ELSE o.sources END) AS s ON true"
            "  WHERE candidate_id IN (SELECT candidate_id FROM read.opportunities"
            "    WHERE id = ANY(%s)) GROUP BY candidate_id) a WHERE c.id = a.candidate_id",
            (list(touched),))

    # --- postings and users -------------------------------------------------------------------

    def on_PostingCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("INSERT INTO read.postings (id, title, team, location, state, hiring_team, "
                    "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, e.title, e.team, e.location, e.state, list(e.hiring_team),
                     e.timestamp, e.timestamp))

    def on_PostingStateChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.postings SET state = %s, updated_at = %s WHERE id = %s",
                    (e.state, e.timestamp, e.originator_id))

    def on_HiringTeamChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.postings SET hiring_team = %s, updated_at = %s WHERE id = %s",
                    (list(e.hiring_team), e.timestamp, e.originator_id))

    def on_UserCreated(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = _data(e.personal) or {}
        cur.execute("INSERT INTO read.users (id, name, email, role, created_at) VALUES "
                    "(%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (e.originator_id, data.get("name"), data.get("email"), e.role, e.timestamp))

    def on_RoleChanged(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        cur.execute("UPDATE read.users SET role = %s WHERE id = %s", (e.role, e.originator_id))
