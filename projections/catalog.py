"""Every projection Rekindle maintains, by name (used by the runner, rebuild and status)."""

from __future__ import annotations

from typing import Any


def projections() -> list[Any]:
    """Imported lazily; each feature's projection lives in its own module."""
    found: list[Any] = []
    from projections.views import ProfilesProjection; found.append(ProfilesProjection)  # noqa: E702, I001
    from projections.analytics import AnalyticsProjection; found.append(AnalyticsProjection)  # noqa: E702, I001
    from projections.erasures import ErasuresProjection; found.append(ErasuresProjection)  # noqa: E702, I001
    from projections.crm import CrmProjection; found.append(CrmProjection)  # noqa: E702, I001
    return found
