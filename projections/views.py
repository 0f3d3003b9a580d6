"""The core read model: candidates, opportunities, their files, postings and users.

Tables (schema `read`, documented for analysts in the README): candidates,
opportunities, opportunity_files, postings, users, and the view posting_pipeline.
Personal values come from events as `Personal`; an erased one (data None) is stored as
NULL (text) or an empty list, and file names as '[erased]', so a rebuild after an
anonymization gives the same rows as the live view that purged them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from psycopg import Cursor
from psycopg.types.json import Jsonb

from domain.personal import ERASED
from projections import opportunity_files, postings_users
from projections.opportunity_files import OpportunityFileRows
from projections.postings_users import PostingAndUserRows, personal_data
from projections.profile_sql import (
    NEW_EMAILS,
    NEW_NAME,
    REFRESH_OPPORTUNITY_COLUMNS_SQL,
    array_sql,
    changed,
    opportunity_sql,
    search_sql,
)
from projections.readview import ReadProjection, ReadView, rows

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
        search tsvector NOT NULL DEFAULT ''::tsvector, version bigint NOT NULL DEFAULT 1,
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
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL, created_by uuid, updated_at timestamptz NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS opportunities_candidate ON read.opportunities (candidate_id)",
    "CREATE INDEX IF NOT EXISTS opportunities_created ON read.opportunities (created_at, id)",
    "CREATE INDEX IF NOT EXISTS opportunities_posting ON read.opportunities (posting_id, stage)",
    *opportunity_files.TABLES_SQL,
    *postings_users.TABLES_SQL,
    """CREATE OR REPLACE VIEW read.posting_pipeline AS
        SELECT posting_id, stage, count(*) AS opportunities FROM read.opportunities
        WHERE posting_id IS NOT NULL AND archived_at IS NULL GROUP BY posting_id, stage""",
)


class ProfilesView(ReadView):
    tables_sql = TABLES_SQL
    tables = ("candidates", "opportunities", *opportunity_files.TABLES, *postings_users.TABLES)
    views = ("posting_pipeline",)
    schema_version = 2  # each aggregate's version (ETag); opportunities listed by creation


class ProfilesProjection(OpportunityFileRows, PostingAndUserRows, ReadProjection):
    """Candidate profiles with their opportunities, files, postings and users."""

    name = "profiles"
    view_class: ClassVar[type[ReadView]] = ProfilesView
    barriers = frozenset({"CandidateAnonymized"})  # touches the candidate's opportunities
    versioned = {"Candidate": "read.candidates", "Opportunity": "read.opportunities",
                 "Posting": "read.postings", "User": "read.users"}
    bulk = {
        "CandidateCreated": (
            "INSERT INTO read.candidates (id, name, emails, phones, location, headline, links, "
            "tags, sources, origin, search, created_at, created_by, updated_at) "
            "SELECT r.id, r.name, r.emails, r.phones, r.location, r.headline, r.links, r.tags, "
            "r.sources, r.origin, " + search_sql("r.name", "r.emails") + ", r.at, r.by_user, "
            "r.at FROM "
            + rows("id uuid, name text, emails text[], phones text[], location text, "
                   "headline text, links text[], tags text[], sources text[], origin text, "
                   "at timestamptz, by_user uuid")
            + " ON CONFLICT (id) DO NOTHING",),
        "ProfileUpdated": (
            f"UPDATE read.candidates c SET name = {NEW_NAME}, emails = {NEW_EMAILS}, "
            f"phones = {changed('phones', array=True)}, location = {changed('location')}, "
            f"headline = {changed('headline')}, links = {changed('links', array=True)}, "
            "tags = coalesce(r.tags, c.tags), sources = coalesce(r.sources, c.sources), "
            "search = CASE WHEN r.data ?| array['name', 'emails'] THEN "
            f"{search_sql(NEW_NAME, NEW_EMAILS)} ELSE c.search END, updated_at = r.at FROM "
            + rows("id uuid, data jsonb, tags text[], sources text[], at timestamptz")
            + " WHERE c.id = r.id",),
        "CandidateTagged": array_sql("tags", "text", True),
        "CandidateUntagged": array_sql("tags", "text", False),
        "SourceAdded": array_sql("sources", "text", True),
        "AddedToPool": array_sql("pools", "uuid", True),
        "RemovedFromPool": array_sql("pools", "uuid", False),
        "OpportunityCreated": (
            "INSERT INTO read.opportunities (id, candidate_id, posting_id, owner_id, stage, "
            "origin, sources, tags, created_at, created_by, updated_at) "
            "SELECT r.id, r.candidate_id, r.posting_id, r.owner_id, r.stage, r.origin, "
            "r.sources, r.tags, r.at, r.by_user, r.at FROM "
            + rows("id uuid, candidate_id uuid, posting_id uuid, owner_id uuid, stage text, "
                   "origin text, sources text[], tags text[], at timestamptz, by_user uuid")
            + " ON CONFLICT (id) DO NOTHING",),
        "InfoCopied": (
            "INSERT INTO read.opportunity_files (id, opportunity_id, candidate_id, name, secret, "
            "kind, sha256, size, content_type, copied_from_file_id, attached_at) "
            "SELECT f.id, o.id, o.candidate_id, f.name, f.secret, f.kind, f.sha256, f.size, "
            "f.content_type, f.copied_from_file_id, r.at FROM "
            + rows("id uuid, at timestamptz, files jsonb")
            + " JOIN read.opportunities o ON o.id = r.id CROSS JOIN LATERAL jsonb_to_recordset("
            "r.files) AS f(id uuid, name text, secret boolean, kind text, sha256 text, "
            "size bigint, content_type text, copied_from_file_id uuid) "
            "ON CONFLICT (id) DO NOTHING",
            # the copied sources and tags the opportunity lacks are appended in their order
            *opportunity_sql(
                "sources = o.sources || ARRAY(SELECT x FROM unnest(r.sources) WITH ORDINALITY "
                "AS u(x, n) WHERE x <> ALL(o.sources) ORDER BY n), "
                "tags = o.tags || ARRAY(SELECT x FROM unnest(r.tags) WITH ORDINALITY "
                "AS u(x, n) WHERE x <> ALL(o.tags) ORDER BY n), "
                "copied_from_id = r.copied_from_id, copied_categories = r.categories, "
                "origin = coalesce(r.origin, o.origin), "
                "referrer_id = CASE WHEN r.referral THEN r.referrer_id ELSE o.referrer_id END, "
                "referral_relationship = CASE WHEN r.referral THEN r.relationship "
                "ELSE o.referral_relationship END, "
                "referral_notes = CASE WHEN r.referral THEN r.notes ELSE o.referral_notes END",
                "sources text[], tags text[], copied_from_id uuid, categories text[], "
                "origin text, referral boolean, referrer_id uuid, relationship text, "
                "notes text")),
        "OpportunityArchived": opportunity_sql(
            "archive_reason = r.reason, archived_at = r.archived_at, archived_by = r.by_user",
            "reason text, archived_at timestamptz, by_user uuid"),
        "OpportunityUnarchived": opportunity_sql(
            "archive_reason = NULL, archived_at = NULL, archived_by = NULL"),
        "ConvertedToPosting": opportunity_sql("posting_id = r.posting_id", "posting_id uuid"),
        "StageChanged": opportunity_sql("stage = r.stage", "stage text"),
        "OwnerChanged": opportunity_sql("owner_id = r.owner_id", "owner_id uuid"),
        "TagAdded": opportunity_sql(
            "tags = CASE WHEN r.tag = ANY(o.tags) THEN o.tags ELSE o.tags || r.tag END",
            "tag text"),
        "TagRemoved": opportunity_sql("tags = array_remove(o.tags, r.tag)", "tag text"),
    }

    # --- candidates ---------------------------------------------------------------------------

    def row_CandidateCreated(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        data = personal_data(e.personal) or {}
        emails = list(data.get("emails", []))
        return {"id": e.originator_id, "name": data.get("name"), "emails": emails,
                "phones": list(data.get("phones", [])), "location": data.get("location"),
                "headline": data.get("headline"), "links": list(data.get("links", [])),
                "tags": list(e.tags), "sources": list(e.sources), "origin": e.origin,
                "at": e.timestamp, "by_user": e.by.user_id}

    def row_ProfileUpdated(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        tags, sources = e.tags, e.sources
        return {"id": e.originator_id, "data": personal_data(e.personal) or {},
                "tags": None if tags is None else list(tags),
                "sources": None if sources is None else list(sources), "at": e.timestamp}

    def _array_row(self, e: Any, value: Any) -> dict[str, Any]:
        return {"id": e.originator_id, "value": value, "at": e.timestamp}

    def row_CandidateTagged(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._array_row(e, e.tag)

    def row_CandidateUntagged(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._array_row(e, e.tag)

    def row_SourceAdded(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._array_row(e, e.source)

    def row_AddedToPool(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._array_row(e, e.pool_id)

    def row_RemovedFromPool(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._array_row(e, e.pool_id)

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

    def _opportunity_row(self, e: Any, touched: set[Any], **values: Any) -> dict[str, Any]:
        touched.add(e.originator_id)
        return {"id": e.originator_id, "at": e.timestamp, **values}

    def row_OpportunityCreated(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(
            e, touched, candidate_id=e.candidate_id, posting_id=e.posting_id,
            owner_id=e.owner_id, stage=e.stage, origin=e.origin, sources=list(e.sources),
            tags=list(e.tags), by_user=e.by.user_id)

    def row_InfoCopied(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        data = personal_data(e.personal)
        names = (data or {}).get("file_names", {})
        files = [{**meta, "name": names.get(meta["id"].hex) if data is not None else ERASED}
                 for meta in e.files]
        referral = (data or {}).get("referral", {})
        return self._opportunity_row(
            e, touched, files=files, sources=list(e.sources), tags=list(e.tags),
            copied_from_id=e.source_opportunity_id, categories=list(e.categories),
            origin=e.origin or None, referral=e.referral is not None,
            referrer_id=e.referral["referrer_id"] if e.referral is not None else None,
            relationship=referral.get("relationship"), notes=referral.get("notes"))

    def row_OpportunityArchived(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(e, touched, reason=e.reason, archived_at=e.at,
                                     by_user=e.by.user_id)

    def row_OpportunityUnarchived(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(e, touched)

    def row_ConvertedToPosting(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(e, touched, posting_id=e.posting_id)

    def row_StageChanged(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(e, touched, stage=e.stage)

    def row_OwnerChanged(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(e, touched, owner_id=e.owner_id)

    def row_TagAdded(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(e, touched, tag=e.tag)

    def row_TagRemoved(self, e: Any, touched: set[Any]) -> dict[str, Any]:
        return self._opportunity_row(e, touched, tag=e.tag)

    def on_ReferralRecorded(self, cur: Cursor[Any], e: Any, touched: set[Any]) -> None:
        data = personal_data(e.personal) or {}
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
        cur.execute(REFRESH_OPPORTUNITY_COLUMNS_SQL, (list(touched),))
