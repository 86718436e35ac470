"""Free-space history of a pool for charts, downsampled in the database."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Min, Q
from django.db.models.functions import TruncDate, TruncHour

from .models import StoragePool, StoragePoolSnapshot

MB_PER_GB = 1024.0
# Up to this many days of history the chart gets one point per hour, beyond it one
# point per UTC day, so a year of hourly snapshots becomes about 365 points.
HOURLY_UP_TO_DAYS = 14


def pool_history(
    pool: StoragePool,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """Return the free space per hour or per day: minimum, mean and maximum in GB.

    Snapshots that do not report capacity are left out and counted, so the chart can
    explain its gaps.
    """
    snapshots = StoragePoolSnapshot.objects.filter(pool=pool)
    if start is not None:
        snapshots = snapshots.filter(collected_at__gte=start)
    if end is not None:
        snapshots = snapshots.filter(collected_at__lt=end)

    bounds = snapshots.aggregate(first=Min("collected_at"), last=Max("collected_at"))
    if bounds["first"] is None:
        return {"bucket": None, "points": [], "not_reported": 0}

    span = bounds["last"] - bounds["first"]
    hourly = span <= timedelta(days=HOURLY_UP_TO_DAYS)
    truncate = TruncHour if hourly else TruncDate
    reported = Q(capacity_reported=True)
    rows = (
        snapshots.annotate(bucket=truncate("collected_at", tzinfo=UTC))
        .values("bucket")
        .annotate(
            free_min=Min("free_space_mb", filter=reported),
            free_avg=Avg("free_space_mb", filter=reported),
            free_max=Max("free_space_mb", filter=reported),
            total=Max("total_capacity_mb", filter=reported),
            samples=Count("id", filter=reported),
            not_reported=Count("id", filter=~reported),
        )
        .order_by("bucket")
    )

    points = []
    not_reported = 0
    for row in rows:
        not_reported += row["not_reported"]
        if row["samples"]:
            points.append(_point(row))
    return {
        "bucket": "hour" if hourly else "day",
        "points": points,
        "not_reported": not_reported,
    }


def _point(row: dict[str, Any]) -> dict[str, Any]:
    bucket = row["bucket"]
    if isinstance(bucket, datetime):
        label = bucket.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    else:
        label = bucket.isoformat()
    total = row["total"]
    return {
        "time": label,
        "free_min_gb": round(row["free_min"] / MB_PER_GB, 2),
        "free_avg_gb": round(float(row["free_avg"]) / MB_PER_GB, 2),
        "free_max_gb": round(row["free_max"] / MB_PER_GB, 2),
        "total_gb": round(total / MB_PER_GB, 2),
        "free_percent": round(100.0 * row["free_min"] / total, 2),
        "samples": row["samples"],
    }
