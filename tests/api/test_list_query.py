"""Every API list rejects an unknown `ordering`, `page` or `page_size` with a 400.

The lists are found by walking the URL resolver, so a new list endpoint is checked
without being named here.
"""

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination

pytestmark = pytest.mark.django_db


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _pages_in_get(pattern: URLPattern) -> bool:
    """Return whether a route's view is a GenericAPIView whose `get` pages a query."""
    view = getattr(pattern.callback, "view_class", None)
    if view is None or not issubclass(view, GenericAPIView):
        return False
    get = getattr(view, "get", None)
    return get is not None and "paginate_queryset" in get.__code__.co_names


def _list_endpoints() -> list[tuple[str, type]]:
    """Return (URL, view class) for every API route whose GET is a list.

    A list is a viewset's `list` action, or a view outside a viewset whose `get`
    calls `paginate_queryset` on a route without a path parameter.
    """
    endpoints = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/") or "format" in route:
            continue

        actions = getattr(pattern.callback, "actions", None) or {}
        if actions.get("get") == "list":
            view = pattern.callback.cls
        elif "<" not in route and _pages_in_get(pattern):
            view = pattern.callback.view_class
        else:
            continue

        url = "/" + route.replace("^", "").replace("$", "")
        endpoints.append((url, view))
    return endpoints


LIST_ENDPOINTS = _list_endpoints()
NUMBERED_ENDPOINTS = [
    (url, view)
    for url, view in LIST_ENDPOINTS
    if not issubclass(view.pagination_class, CursorPagination)
]


def _first_error(response, param: str) -> str:
    return response.json()[param][0]


def test_list_endpoints_found():
    urls = [url for url, _view in LIST_ENDPOINTS]

    assert "/api/storage-pools/" in urls
    assert "/api/jobs/" in urls
    assert "/api/findings/" in urls
    assert "/api/retention/cycle-analyzer/" in urls
    assert "/api/analyzers/dedup/" in urls
    assert "/api/analyzers/optimizer/" in urls
    assert "/api/analyzers/reclamation/" in urls
    assert "/api/analyzers/schedules/" in urls


@pytest.mark.parametrize(("url", "view"), LIST_ENDPOINTS)
def test_list_rejects_unknown_ordering(admin_role_client, url, view):
    response = admin_role_client.get(url, {"ordering": "-no_such_field"})

    message = _first_error(response, "ordering")
    assert response.status_code == 400
    assert "'-no_such_field'" in message


def _allowed_from_message(message: str) -> list[str]:
    if "use one of " not in message:
        return []
    names = message.split("use one of ", 1)[1].split(", with a leading")[0]
    return names.split(", ")


@pytest.mark.parametrize(("url", "view"), LIST_ENDPOINTS)
def test_list_accepts_each_allowed_ordering(admin_role_client, url, view):
    message = _first_error(admin_role_client.get(url, {"ordering": "x"}), "ordering")

    for name in _allowed_from_message(message):
        response = admin_role_client.get(url, {"ordering": f"-{name}"})
        assert response.status_code == 200, (name, response.content[:300])


@pytest.mark.parametrize(("url", "view"), LIST_ENDPOINTS)
def test_list_names_allowed_ordering(admin_role_client, url, view):
    ordering_filters = [
        backend
        for backend in view.filter_backends
        if issubclass(backend, OrderingFilter)
    ]

    message = _first_error(admin_role_client.get(url, {"ordering": "x"}), "ordering")

    if ordering_filters:
        assert _allowed_from_message(message)
    else:
        assert "this list has a fixed order" in message


def test_ordering_lists_the_view_fields(admin_role_client):
    response = admin_role_client.get("/api/storage-pools/", {"ordering": "size"})

    message = _first_error(response, "ordering")
    assert "free_percent" in _allowed_from_message(message)
    assert "total_capacity_mb" in _allowed_from_message(message)


# Not named "page": that is the Playwright fixture, and a test asking for it is
# grouped with the browser tests, whose live server empties the database.
@pytest.mark.parametrize("page_value", ["abc", "0", "-1", "1.5"])
@pytest.mark.parametrize(("url", "view"), LIST_ENDPOINTS)
def test_list_rejects_invalid_page(admin_role_client, url, view, page_value):
    response = admin_role_client.get(url, {"page": page_value})

    message = _first_error(response, "page")
    assert response.status_code == 400
    assert repr(page_value) in message
    if issubclass(view.pagination_class, CursorPagination):
        assert "pages with a cursor" in message
    else:
        assert "positive whole number" in message


@pytest.mark.parametrize("size", ["abc", "0", "1001"])
@pytest.mark.parametrize(("url", "view"), LIST_ENDPOINTS)
def test_list_rejects_invalid_page_size(admin_role_client, url, view, size):
    response = admin_role_client.get(url, {"page_size": size})

    message = _first_error(response, "page_size")
    assert response.status_code == 400
    assert repr(size) in message
    assert "from 1 to 1000" in message


def test_page_number_one_and_page_size_accepted(admin_role_client):
    response = admin_role_client.get(
        "/api/storage-pools/", {"page": "1", "page_size": "5"}
    )

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(("url", "view"), NUMBERED_ENDPOINTS)
def test_list_accepts_last_page(admin_role_client, url, view):
    response = admin_role_client.get(url, {"page": "last"})

    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(("url", "view"), NUMBERED_ENDPOINTS)
def test_list_past_last_page(admin_role_client, url, view):
    response = admin_role_client.get(url, {"page": "99999"})

    assert response.status_code == 404
    assert "Invalid page 99999" in response.json()["detail"]
