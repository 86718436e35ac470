"""Sync-run pages: the list with "Collect now" for admins, and a run's live progress."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from apps.core.permissions import admin_required, viewer_required
from apps.core.roles import is_admin

from . import services
from .collector import STEP_LABELS, STEPS
from .models import CommCell, SyncRun

logger = logging.getLogger(__name__)

RUNS_PER_PAGE = 50

# Counts a run stores besides one per step.
EXTRA_COUNT_LABELS = {
    "retention_rules": "Retention rules",
    "ddb_partitions": "DDB partitions",
    "removed": "Objects marked removed",
}


@require_GET
@viewer_required
def syncrun_list(request: HttpRequest) -> HttpResponse:
    runs = SyncRun.objects.select_related("commcell", "requested_by")
    commcell_id = _int_or_none(request.GET.get("commcell"))
    if commcell_id is not None:
        runs = runs.filter(commcell_id=commcell_id)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.duration_text = duration_text(run)
        run.count_items = count_items(run)

    context = {
        "page": page,
        "commcells": _commcells_with_active_run(),
        "selected_commcell": commcell_id,
        "can_collect": is_admin(request.user),
    }
    return render(request, "commcell/syncrun_list.html", context)


@require_GET
@viewer_required
def syncrun_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Render the run page, or only its status partial for an htmx poll."""
    run = get_object_or_404(
        SyncRun.objects.select_related("commcell", "requested_by"), pk=pk
    )
    context = {
        "run": run,
        "steps": step_rows(run),
        "current_step_label": STEP_LABELS.get(run.current_step, run.current_step),
        "duration_text": duration_text(run),
        "extra_counts": [
            (label, run.counts[key])
            for key, label in EXTRA_COUNT_LABELS.items()
            if key in run.counts
        ],
    }
    if request.htmx:
        return render(request, "commcell/_syncrun_status.html", context)
    return render(request, "commcell/syncrun_detail.html", context)


@require_POST
@admin_required
def collect_now(request: HttpRequest, commcell_id: int) -> HttpResponse:
    commcell = get_object_or_404(CommCell, pk=commcell_id)
    try:
        run = services.enqueue_sync(
            commcell, trigger="manual", requested_by=request.user
        )
    except services.SyncAlreadyRunning as exc:
        messages.warning(request, str(exc))
        if exc.active_run is not None:
            return redirect("commcell:syncrun-detail", pk=exc.active_run.pk)
        return redirect("commcell:syncrun-list")

    messages.success(request, f"Collection of {commcell.name} queued as run {run.pk}.")
    return redirect("commcell:syncrun-detail", pk=run.pk)


def step_rows(run: SyncRun) -> list[dict]:
    """Return one row per step: label, state, done/total, percent, count, errors."""
    failed_steps = {error.get("step") for error in run.errors}
    step_keys = [step.key for step in STEPS]
    current_index = (
        step_keys.index(run.current_step) if run.current_step in step_keys else -1
    )

    rows = []
    for index, step in enumerate(STEPS):
        progress = run.progress.get(step.key, {})
        rows.append(
            {
                "key": step.key,
                "label": step.label,
                "state": _step_state(run, step.key, index, current_index, failed_steps),
                "skipped_until": parse_datetime(progress.get("skipped_until") or ""),
                "interval_hours": progress.get("interval_hours"),
                "done": progress.get("done"),
                "total": progress.get("total"),
                "percent": _percent(progress.get("done"), progress.get("total")),
                "count": run.counts.get(step.key),
            }
        )
    return rows


def count_items(run: SyncRun) -> list[tuple[str, int]]:
    """Return (label, count) for each step that stored rows, in step order."""
    return [
        (step.label, run.counts[step.key])
        for step in STEPS
        if step.key in run.counts and step.key != "commserve"
    ]


def duration_text(run: SyncRun) -> str:
    if run.started_at is None:
        return "not started"
    if run.finished_at is None:
        elapsed = (timezone.now() - run.started_at).total_seconds()
        return f"running for {format_duration(elapsed)}"
    return format_duration(run.duration_seconds or 0.0)


def format_duration(seconds: float) -> str:
    """Format seconds as "45 s", "3 min 12 s" or "2 h 5 min"."""
    whole = int(seconds)
    if whole < 1:
        return "under 1 s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _step_state(
    run: SyncRun, key: str, index: int, current_index: int, failed: set
) -> str:
    if key in failed:
        return "failed"
    if run.is_active:
        if index == current_index:
            return "running"
        return "done" if index < current_index else "waiting"
    if key in run.counts:
        return "done"
    return "not run"


def _percent(done: int | None, total: int | None) -> int | None:
    if done is None or not total:
        return None
    return min(100, round(100 * done / total))


def _commcells_with_active_run() -> list[CommCell]:
    active = SyncRun.objects.filter(
        commcell=OuterRef("pk"), status__in=SyncRun.ACTIVE_STATUSES
    )
    return list(
        CommCell.objects.annotate(active_run_id=Subquery(active.values("pk")[:1]))
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
