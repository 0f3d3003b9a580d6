"""Every blueprint the API serves; each feature's routes live in their own module here."""

from __future__ import annotations

from typing import Any


def blueprints() -> list[Any]:
    """Imported lazily so each module can import the app's shared helpers."""
    found: list[Any] = []
    from api.routes import audit, candidates, gdpr, health, opportunities, postings, users
    found += [m.blp for m in (health, users, postings, candidates, opportunities, gdpr, audit)]
    from api.routes import gdpr_audit; found.append(gdpr_audit.blp)  # noqa: E702, I001
    from api.routes import campaigns, forms, pipeline, pools, reminders, rules
    found += [m.blp for m in (pipeline, pools, rules, forms, reminders, campaigns)]
    from api.routes import ats, imports; found += [imports.blp, ats.blp]  # noqa: E702, I001
    from api.routes import public, reach; found += [reach.blp, public.blp]  # noqa: E702, I001
    from api.routes import docs, parked; found += [docs.blp, parked.blp]  # noqa: E702, I001
    return found
