"""Severity classes of retention rules; the definition lives in `apps.core.severity`."""

from apps.core.severity import SEVERITY_RANK, Severity

__all__ = ["SEVERITY_RANK", "Severity"]
