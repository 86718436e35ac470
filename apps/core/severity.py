"""Severity of a finding or a retention rule, importable without the Django app registry."""

from django.db.models import TextChoices


class Severity(TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    INFO = "info", "Info"
    OK = "ok", "OK"


# Rank used to sort by severity, most severe first.
SEVERITY_RANK = {
    Severity.CRITICAL: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.INFO: 3,
    Severity.OK: 4,
}
