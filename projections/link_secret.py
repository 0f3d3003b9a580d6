"""The secret that signs personal links, the same in every process of a deployment.

The configured secret when there is one; otherwise one random secret, drawn by whichever
process asks first and kept in PostgreSQL, so the API that checks a link and the mailer
that signed it agree without anyone configuring anything. A deployment that wants to change
it configures one (links already mailed then stop working) or deletes the row.
"""

from __future__ import annotations

import secrets

from psycopg_pool import ConnectionPool

MIN_LENGTH = 16

def link_secret(pool: ConnectionPool, configured: str | None = None) -> str:
    """The configured secret, or the stored one, drawn and stored now if there is none.

    Processes starting together each try to store theirs; the primary key lets one win
    and everyone reads the winner's.
    """
    if configured:
        if len(configured) < MIN_LENGTH:
            raise ValueError(f"the link secret must be at least {MIN_LENGTH} characters long")
        return configured
    # Its own transaction, committed before anyone signs with the secret it returns.
    with pool.connection() as conn:
        conn.execute("INSERT INTO rekindle.link_secret (secret) VALUES (%s) "
                     "ON CONFLICT (id) DO NOTHING", (secrets.token_urlsafe(32),))
        row = conn.execute("SELECT secret FROM rekindle.link_secret").fetchone()
    if row is None:  # pragma: no cover - the insert above guarantees a row
        raise RuntimeError("no link secret stored")
    return str(row[0])
