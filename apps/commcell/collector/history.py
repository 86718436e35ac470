"""Look-ups of a CommCell's earlier collection runs."""

from typing import Any

from apps.commcell.models import CommCell, SyncRun

# How many earlier runs to search for one whose step recorded no error.
SEARCH_RUNS = 50


def latest_run_without_step_error(
    commcell: CommCell, run: SyncRun, step: str, *, newest_by: str, **filters: Any
) -> SyncRun | None:
    """Return the latest other finished run whose `step` recorded no error.

    A finished run is a succeeded or partial one that matches `filters` (field
    lookups, for example `job_window_end__isnull=False`). Runs are taken newest first
    by the `newest_by` field, and only the first SEARCH_RUNS of them are searched.
    The run returned has only `newest_by` and `errors` loaded.
    """
    earlier = (
        SyncRun.objects.filter(
            commcell=commcell,
            status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL],
            **filters,
        )
        .exclude(pk=run.pk)
        .order_by(f"-{newest_by}")
        .only(newest_by, "errors")[:SEARCH_RUNS]
    )
    for candidate in earlier:
        if not any(error.get("step") == step for error in candidate.errors):
            return candidate
    return None
