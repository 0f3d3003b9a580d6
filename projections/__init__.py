"""The read side and everything else Rekindle keeps in PostgreSQL besides the event store.

Read models live in schema `read` (documented in the README, a public interface);
internal tables (subject keys, file bytes, email claims, idempotency, positions) in `rekindle`.
"""
