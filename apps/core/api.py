"""Building blocks shared by the REST API of every app: filters, ordering, pagination."""

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from .pagination import CheckedListQueryMixin

TRUE_WORDS = frozenset({"true", "1"})
FALSE_WORDS = frozenset({"false", "0"})


class StrictBooleanField(forms.Field):
    """Form field for `true`/`false` (or `1`/`0`) that rejects any other word.

    django-filter's own boolean widget turns an unknown word such as `yes` into "no
    filter" without telling the caller, so a typo would silently widen a result.
    """

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None

        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValidationError(
            "Invalid boolean %(value)s: use true or false.",
            code="invalid",
            params={"value": repr(value)},
        )


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


# Range of a 64-bit signed integer, the widest id column on PostgreSQL and SQLite.
MIN_ID = -(2**63)
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """Integer id that fits a 64-bit column, so a lookup never overflows."""

    default_error_messages = {"invalid": "Enter an integer id."}

    def to_python(self, value: Any) -> int | None:
        number = super().to_python(value)
        if number is not None and not MIN_ID <= number <= MAX_ID:
            raise ValidationError(
                "Invalid id %(value)s: it is out of range. Enter an id between "
                "%(min)s and %(max)s.",
                code="out_of_range",
                params={"value": value, "min": MIN_ID, "max": MAX_ID},
            )
        return number


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """Exact match on an integer id; a non-integer value is rejected with a 400."""

    field_class = IdField


class AliasOrderingFilter(OrderingFilter):
    """OrderingFilter that maps public ordering names to queryset expressions.

    A view sets `ordering_aliases = {"free_percent": "free_percent_value"}` to offer
    `?ordering=free_percent` while the queryset orders by an annotation whose name
    cannot be the public one (for example because a model property uses that name).
    """

    def get_ordering(
        self, request: Request, queryset: QuerySet, view: Any
    ) -> list[str] | tuple[str, ...] | None:
        ordering = super().get_ordering(request, queryset, view)
        aliases = getattr(view, "ordering_aliases", {})
        if not ordering or not aliases:
            return ordering
        return [_apply_alias(term, aliases) for term in ordering]


def _apply_alias(term: str, aliases: dict[str, str]) -> str:
    descending = term.startswith("-")
    name = term.removeprefix("-")
    target = aliases.get(name, name)
    return f"-{target}" if descending else target


class NewestFirstCursorPagination(CheckedListQueryMixin, CursorPagination):
    """Cursor pagination for tables too large to COUNT on every page.

    Pages carry `next` and `previous` links but no `count`. The ordering comes from
    the view's `ordering` (and `?ordering=` when the view allows it).
    """

    page_size = 100
    ordering = "-id"

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list | None:
        self.check_list_query(request, queryset, view)

        raw = request.query_params.get("page")
        if raw is not None:
            raise exceptions.ValidationError(
                {
                    "page": [
                        f"Invalid page {raw!r}: this list pages with a cursor, so "
                        "follow its next and previous links instead of a page number."
                    ]
                }
            )
        return super().paginate_queryset(queryset, request, view)
