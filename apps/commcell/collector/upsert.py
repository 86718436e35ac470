"""Idempotent bulk upserts of inventory rows keyed by (commcell, cv_id)."""

import logging
from collections.abc import Iterable
from dataclasses import fields
from functools import cache
from typing import Any

from django.db import models
from django.db.models import F

from apps.commcell.models import CommCell

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000

# Columns an upsert never overwrites: the key, and the time the row was first stored.
_KEEP_ON_UPDATE = {"id", "commcell", "cv_id", "first_seen_at"}


@cache
def _column_names(model: type[models.Model]) -> frozenset[str]:
    return frozenset(f.attname for f in model._meta.concrete_fields)


@cache
def _char_limits(model: type[models.Model]) -> dict[str, int]:
    return {
        f.attname: f.max_length
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField) and f.max_length
    }


def record_row(record: Any) -> dict[str, Any]:
    """Return a record dataclass as a dict of its fields, without converting nested records."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def clean_text(value: str, limit: int | None = None) -> str:
    """Return `value` without NUL characters, cut to `limit` characters.

    PostgreSQL rejects NUL in text, and a name longer than its column would fail the
    whole step, so both are repaired here instead.
    """
    if "\x00" in value:
        value = value.replace("\x00", "")
    if limit is not None and len(value) > limit:
        value = value[:limit]
    return value


def fit_row(model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
    """Return the values of `row` that the model stores, cleaned for its columns.

    Record fields without a column (details other features read) are left out.
    """
    columns = _column_names(model)
    limits = _char_limits(model)
    fitted = {}
    for name, value in row.items():
        if name not in columns:
            continue
        if isinstance(value, str):
            value = clean_text(value, limits.get(name))
        fitted[name] = value
    return fitted


def unique_by(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Keep the last row per key, because one upsert cannot touch a row twice."""
    unique: dict[Any, dict[str, Any]] = {}
    for row in rows:
        unique[row[key]] = row
    return list(unique.values())


def upsert_inventory(
    model: type[models.Model], commcell: CommCell, rows: list[dict[str, Any]]
) -> int:
    """Insert or update one row per cv_id, clear `removed_at`, and return the count.

    `first_seen_at` keeps its first value and `last_seen_at` is set to now. A complete
    run compares `last_seen_at` with its start to find the objects that are gone.
    """
    rows = unique_by(rows, "cv_id")
    if not rows:
        return 0

    objects = [
        model(commcell=commcell, removed_at=None, **fit_row(model, row)) for row in rows
    ]
    update_fields = [
        f.name for f in model._meta.concrete_fields if f.name not in _KEEP_ON_UPDATE
    ]
    model.objects.bulk_create(
        objects,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["commcell", "cv_id"],
        update_fields=update_fields,
    )
    return len(objects)


def id_map(model: type[models.Model], commcell: CommCell) -> dict[int, int]:
    """Return {cv_id: primary key} of the CommCell's stored rows of `model`."""
    return dict(
        model.objects.filter(commcell=commcell).values_list("cv_id", "id").iterator()
    )


def name_map(model: type[models.Model], commcell: CommCell) -> dict[str, int]:
    """Return {lower-case name: primary key}, for case-insensitive name matches.

    Rows still present on the CommServe win over removed rows of the same name.
    """
    rows = (
        model.objects.filter(commcell=commcell)
        .order_by(F("removed_at").asc(nulls_last=True), "id")
        .values_list("name", "id")
    )
    return {name.lower(): pk for name, pk in rows.iterator()}
