"""Rekindle's own tables beside the event store (schema `rekindle`), and the advisory locks
that keep processes starting together from racing on them.

Every process creates them at start (`Database.migrate`), idempotently, under one lock, so
no module creates a table on first use. The read models live in schema `read`, created by
their views (projections/readview.py).
"""

from __future__ import annotations

MIGRATION_LOCK = 7240001
"""Held while this module's DDL runs."""
LIBRARY_DDL_LOCKS = 7240100
"""Key space of the locks, one per name, held while the eventsourcing library creates its
tables and functions for an application or a view (`Database.ddl_locked`)."""
RELAY_LEADER_LOCKS = 7240005
"""Key space of the session locks that make one relay per name active (consumers/relay.py)."""

TABLES_SQL = """
CREATE SCHEMA IF NOT EXISTS rekindle;
CREATE SCHEMA IF NOT EXISTS read;

-- one AES-256 key per data subject: deleting the row erases them (crypto-shredding)
CREATE TABLE IF NOT EXISTS rekindle.subject_keys (
    subject_id uuid PRIMARY KEY,
    key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- file bytes, content-addressed within one candidate
CREATE TABLE IF NOT EXISTS rekindle.file_blobs (
    candidate_id uuid NOT NULL,
    sha256 text NOT NULL,
    content_type text NOT NULL,
    content bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (candidate_id, sha256)
);

-- which live candidate owns an email address (lower case)
CREATE TABLE IF NOT EXISTS rekindle.email_claims (
    email text PRIMARY KEY,
    candidate_id uuid NOT NULL
);
CREATE INDEX IF NOT EXISTS email_claims_candidate ON rekindle.email_claims (candidate_id);

-- which candidate another system (the ATS) knows under which id
CREATE TABLE IF NOT EXISTS rekindle.external_ids (
    system text NOT NULL,
    external_id text NOT NULL,
    candidate_id uuid NOT NULL,
    PRIMARY KEY (system, external_id)
);
CREATE INDEX IF NOT EXISTS external_ids_candidate ON rekindle.external_ids (candidate_id);

-- the first answer to each Idempotency-Key, per user, for 24 hours
CREATE TABLE IF NOT EXISTS rekindle.idempotency_keys (
    user_id uuid NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    body text,
    position bigint,
    candidate_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
-- the first answer's Location (a 201's), replayed with it
ALTER TABLE rekindle.idempotency_keys ADD COLUMN IF NOT EXISTS location text;
CREATE INDEX IF NOT EXISTS idempotency_keys_candidate
    ON rekindle.idempotency_keys (candidate_id) WHERE candidate_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON rekindle.idempotency_keys (expires_at);

-- messages a worker could not handle, with the reason (consumers/parked.py); the id names
-- one for an operator's replay (added to tables made before it: each row gets its own)
CREATE TABLE IF NOT EXISTS rekindle.parked_messages (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    handler text NOT NULL,
    position bigint NOT NULL,
    event_id uuid NOT NULL,
    error text NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (handler, event_id)
);
ALTER TABLE rekindle.parked_messages
    ADD COLUMN IF NOT EXISTS id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX IF NOT EXISTS parked_messages_id ON rekindle.parked_messages (id);
CREATE INDEX IF NOT EXISTS parked_messages_parked ON rekindle.parked_messages (parked_at, id);

-- how far each relay has published the event log to Kafka
CREATE TABLE IF NOT EXISTS rekindle.relay_positions (
    name text PRIMARY KEY,
    position bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- pending GDPR deadlines, one row per candidate and kind (consumers/gdpr.py); `reminder`
-- and `renewal` are the consent mails due, `lapse` the end of a granted consent
CREATE TABLE IF NOT EXISTS rekindle.gdpr_deadlines (
    candidate_id uuid NOT NULL,
    kind text NOT NULL,
    due_at timestamptz NOT NULL,
    version integer NOT NULL,
    PRIMARY KEY (candidate_id, kind)
);
ALTER TABLE rekindle.gdpr_deadlines DROP CONSTRAINT IF EXISTS gdpr_deadlines_kind_check;
ALTER TABLE rekindle.gdpr_deadlines ADD CONSTRAINT gdpr_deadlines_kind_check
    CHECK (kind IN ('consent', 'expiry', 'deletion', 'reminder', 'renewal', 'lapse'));
CREATE INDEX IF NOT EXISTS gdpr_deadlines_due ON rekindle.gdpr_deadlines (kind, due_at);

-- mails to try, and when (consumers/mailer.py): a hint kept from the Mail events, never the
-- truth (the Mail aggregate is); ids only, no address, no body. A sender leases a row while
-- it tries the mail, so two mailer processes never try one mail at once.
CREATE TABLE IF NOT EXISTS rekindle.mail_queue (
    mail_id uuid PRIMARY KEY,
    candidate_id uuid,
    due_at timestamptz NOT NULL,
    version integer NOT NULL,
    leased_until timestamptz
);
CREATE INDEX IF NOT EXISTS mail_queue_due ON rekindle.mail_queue (due_at);
CREATE INDEX IF NOT EXISTS mail_queue_candidate ON rekindle.mail_queue (candidate_id)
    WHERE candidate_id IS NOT NULL;

-- rebuilds under way, so a killed one resumes instead of starting over
CREATE TABLE IF NOT EXISTS rekindle.projection_rebuilds (
    name text PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now()
);

-- the shape each read model's tables were created with: another one rebuilds the view
CREATE TABLE IF NOT EXISTS rekindle.view_versions (
    name text PRIMARY KEY,
    version integer NOT NULL
);

-- the secret that signs personal links, when none is configured (projections/link_secret.py)
CREATE TABLE IF NOT EXISTS rekindle.link_secret (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    secret text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- a read model stopped at an event it cannot apply, and why (projections/faults.py)
CREATE TABLE IF NOT EXISTS rekindle.view_faults (
    name text PRIMARY KEY,
    position bigint NOT NULL,
    event_type text NOT NULL,
    error text NOT NULL,
    since timestamptz NOT NULL DEFAULT now()
);

-- the last minute's hits of each client address against a shared budget
-- (projections/rate_limits.py)
CREATE TABLE IF NOT EXISTS rekindle.rate_limit_hits (
    budget text NOT NULL,
    address text NOT NULL,
    hits timestamptz[] NOT NULL,
    last_hit timestamptz NOT NULL,
    PRIMARY KEY (budget, address)
);
CREATE INDEX IF NOT EXISTS rate_limit_hits_idle ON rekindle.rate_limit_hits (last_hit);
"""
