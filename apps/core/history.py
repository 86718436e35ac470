"""Thinning and pruning of history tables that grow with every collection.

An app registers each snapshot model with the field that stamps a row's time and the
field that groups rows (usually the foreign key of the object the row describes).
`thin_and_prune` then keeps every row younger than `keep_all_days`, keeps one row per
group and UTC day between `keep_all_days` and `keep_days` (the day's latest row), and
deletes rows older than `keep_days`.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import models, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

logger = logging.getLogger(__name__)

# Rows deleted per DELETE statement, so no statement carries a huge id list.
DELETE_BATCH_SIZE = 5000


@dataclass(frozen=True)
class HistoryTable:
    model: type[models.Model]
    time_field: str
    group_field: str

    @property
    def label(self) -> str:
        return self.model._meta.label


@dataclass(frozen=True)
class HistoryOutcome:
    """Rows removed from one table: `thinned` to one per day, `pruned` as too old."""

    thinned: int
    pruned: int


_TABLES: dict[str, HistoryTable] = {}


def register_history(
    model: type[models.Model], time_field: str, group_field: str
) -> None:
    """Register a snapshot model for thinning and pruning. Registering again replaces it."""
    for name in (time_field, group_field):
        model._meta.get_field(name)  # Raises FieldDoesNotExist for a wrong name.
    _TABLES[model._meta.label] = HistoryTable(model, time_field, group_field)


def registered_history() -> list[HistoryTable]:
    return list(_TABLES.values())


def thin_and_prune(
    keep_all_days: int, keep_days: int, now: datetime | None = None
) -> dict[str, HistoryOutcome]:
    """Thin and prune every registered table and return the rows removed per model.

    Raises ValueError unless 0 <= keep_all_days < keep_days.
    """
    if not 0 <= keep_all_days < keep_days:
        raise ValueError(
            f"Invalid history retention: keep every row for {keep_all_days} days and "
            f"delete rows after {keep_days} days. The first must be at least 0 and "
            "smaller than the second."
        )

    now = now or timezone.now()
    thin_before = now - timedelta(days=keep_all_days)
    prune_before = now - timedelta(days=keep_days)

    outcomes = {}
    for table in registered_history():
        pruned = _prune(table, prune_before)
        thinned = _thin(table, prune_before, thin_before)
        outcomes[table.label] = HistoryOutcome(thinned=thinned, pruned=pruned)
        logger.info(
            "history of %s: %d rows thinned, %d rows older than %s deleted",
            table.label,
            thinned,
            pruned,
            prune_before.isoformat(),
        )
    return outcomes


def _prune(table: HistoryTable, before: datetime) -> int:
    rows = table.model._default_manager.filter(**{f"{table.time_field}__lt": before})
    return _delete_ids(table, list(rows.values_list("pk", flat=True)))


def _thin(table: HistoryTable, start: datetime, end: datetime) -> int:
    """Delete every row in [start, end) except the latest of each group and UTC day."""
    time_field = table.time_field
    ranked = (
        table.model._default_manager.filter(
            **{f"{time_field}__gte": start, f"{time_field}__lt": end}
        )
        .annotate(
            rank_in_day=Window(
                RowNumber(),
                partition_by=[F(table.group_field), TruncDate(time_field, tzinfo=UTC)],
                order_by=[F(time_field).desc(), F("pk").desc()],
            )
        )
        .filter(rank_in_day__gt=1)
    )
    return _delete_ids(table, list(ranked.values_list("pk", flat=True)))


def _delete_ids(table: HistoryTable, ids: list[int]) -> int:
    deleted = 0
    manager = table.model._default_manager
    for start in range(0, len(ids), DELETE_BATCH_SIZE):
        batch = ids[start : start + DELETE_BATCH_SIZE]
        with transaction.atomic():
            deleted += manager.filter(pk__in=batch).delete()[0]
    return deleted
