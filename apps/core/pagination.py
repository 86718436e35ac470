"""Page-number pagination for the API, and the check of every list's query.

Every API list pages through `StandardPagination` or
`apps.core.api.NewestFirstCursorPagination`, both built on `CheckedListQueryMixin`,
so the mixin receives each list request. Before paging it rejects a `page`, `page_size`
or `ordering` value that DRF would otherwise ignore or replace without telling the
caller, with a 400 that names the value and what to send instead.
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.settings import api_settings


class CheckedListQueryMixin:
    """Reject invalid `page_size` and `ordering` values before a page is built."""

    page_size_query_param = "page_size"
    max_page_size = 1000

    def check_list_query(self, request: Request, queryset: QuerySet, view: Any) -> None:
        check_ordering(request, queryset, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size  # type: ignore[attr-defined]

        size = _positive_whole_number(raw)
        if size is None or size > self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Invalid page size {raw!r}: send a whole number from 1 to "
                        f"{self.max_page_size}."
                    ]
                }
            )
        return size


class StandardPagination(CheckedListQueryMixin, PageNumberPagination):
    """Numbered pages of 100 rows with a total `count`."""

    page_size = 100
    invalid_page_message = "Invalid page {page_number}: {message}."

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list | None:
        self.check_list_query(request, queryset, view)
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        return check_page_number(raw, self.page_query_param)


def check_page_number(raw: str, param: str = "page") -> int:
    """Return a page number, or raise a 400 keyed by `param` when it is not one."""
    number = _positive_whole_number(raw)
    if number is None:
        raise ValidationError(
            {
                param: [
                    f"Invalid page {raw!r}: the page must be a positive whole "
                    "number, such as 1."
                ]
            }
        )
    return number


def check_ordering(request: Request, queryset: QuerySet, view: Any) -> None:
    """Raise a 400 for an `ordering` term the view does not sort by.

    DRF's OrderingFilter drops unknown terms silently, and a view without an
    ordering filter ignores the parameter, so a typo would return another order.
    """
    param = api_settings.ORDERING_PARAM
    raw = request.query_params.get(param)
    if not raw:
        return

    allowed = allowed_ordering(request, queryset, view)
    if not allowed:
        raise ValidationError(
            {param: [f"Invalid ordering {raw!r}: this list has a fixed order."]}
        )

    for term in (part.strip() for part in raw.split(",")):
        if term.removeprefix("-") not in allowed:
            raise ValidationError(
                {
                    param: [
                        f"Invalid ordering {term!r}: use one of "
                        f"{', '.join(allowed)}, with a leading - for descending."
                    ]
                }
            )


def allowed_ordering(request: Request, queryset: QuerySet, view: Any) -> list[str]:
    """Return the names a view's ordering filter sorts by, none without one."""
    for backend_class in getattr(view, "filter_backends", []):
        if issubclass(backend_class, OrderingFilter):
            fields = backend_class().get_valid_fields(
                queryset, view, {"request": request}
            )
            return [name for name, _label in fields]
    return []


def _positive_whole_number(raw: str) -> int | None:
    text = raw.strip()
    if not text.isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if number > 0 else None
