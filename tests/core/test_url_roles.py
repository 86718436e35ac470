"""Every URL of the project checks a role: walk the URL resolver and call each URL.

The walker classifies each URL by the role check it declares:

- API views by their DRF permission classes (`apps.core.permissions`),
- pages by `ViewerRequiredMixin`/`AdminRequiredMixin` or the `viewer_required`/
  `admin_required` decorators,
- the Django admin by the admin site's own check (`RoleAdminSite.has_permission`).

A URL the walker cannot classify fails `test_url_enforces_role`, so a new URL without
a role check cannot slip in. Each classified URL is then called with ids of real
objects as an anonymous user, a user with no role, a viewer and an admin.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.contrib.admin.sites import AdminSite
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.models import Token
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from apps.commcell.models import CommCell, JobOnCopy
from apps.core import audit
from apps.core.permissions import (
    AdminRequiredMixin,
    IsAdmin,
    IsViewer,
    IsViewerReadOrAdmin,
    ViewerRequiredMixin,
    admin_required,
)
from apps.core.roles import ADMIN, VIEWER, is_admin, is_viewer
from apps.pruning.models import PruningThresholds
from apps.retention.models import RetentionSettings
from apps.storage.models import StoragePool
from tests.factories import (
    AnalysisRunFactory,
    ClientFactory,
    CommCellFactory,
    DataAgingRunFactory,
    DDBPartitionFactory,
    DDBStoreFactory,
    DDBStoreSnapshotFactory,
    FindingFactory,
    JobFactory,
    LogEventFactory,
    LogFileFactory,
    LogSourceFactory,
    LogSourceFileFactory,
    MediaAgentFactory,
    MediaAgentSnapshotFactory,
    PlanFactory,
    RetentionRuleFactory,
    StoragePolicyCopyFactory,
    StoragePoolFactory,
    StoragePoolSnapshotFactory,
    SyncRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# URL names left out of the walk, each with the reason.
EXCLUDED_NAMES = {
    # The login pages must open without a role, or no user could sign in.
    "login": "sign-in page",
    "admin:login": "sign-in page of the Django admin",
    # Logging out only ends the caller's own session and shows no data.
    "logout": "ends the caller's session",
    "admin:logout": "ends the caller's session",
}

# Views that serve static files: public assets (CSS, JavaScript), no data.
STATIC_VIEWS = {
    "django.views.static.serve",
    "django.contrib.staticfiles.views.serve",
}

# URLs that are public on purpose, with the response every caller gets.
PUBLIC_NAMES = {
    # Load balancers probe liveness without credentials; the body carries no data.
    "core:health": {"status": "ok"},
}

# Values for URL arguments the walker cannot derive from the route or the view.
URL_KWARGS: dict[str, dict[str, Any]] = {
    "admin:app_list": {"app_label": "commcell"},
    "admin:catch_all": {"url": "no-such-admin-page/"},
    "storage:pool-detail": {"pk": lambda objects: objects[StoragePool].pk},
    "job-on-copy-detail": {"pk": lambda objects: objects[JobOnCopy].pk},
    "pruning:pool-timeline": {"pk": lambda objects: objects[StoragePool].pk},
    "pruning-pool-timeline": {"pk": lambda objects: objects[StoragePool].pk},
    "admin:view_on_site": {
        "content_type_id": lambda objects: (
            ContentType.objects.get_for_model(CommCell).pk
        ),
        "object_id": lambda objects: objects[CommCell].pk,
    },
}

# Admin-site views whose success status for an admin is not 200, with the reason.
ADMIN_SITE_STATUS = {
    # Returns results only for requests with app_label, model_name and field_name
    # parameters. Without them the view rejects the request after the role check.
    "admin:autocomplete": 403,
    # No model defines get_absolute_url, so "view on site" has no target.
    "admin:view_on_site": 404,
    "admin:catch_all": 404,
}

WRITE_METHODS = ("post", "put", "patch", "delete")
ROLE_CHECKS = {is_viewer: VIEWER, is_admin: ADMIN}


@dataclass(frozen=True)
class Endpoint:
    name: str
    parts: tuple[Any, ...]
    callback: Callable[..., HttpResponse]

    @property
    def route(self) -> str:
        return "".join(str(part.pattern) for part in self.parts)

    @property
    def kwarg_names(self) -> list[str]:
        names: list[str] = []
        for part in self.parts:
            pattern = part.pattern
            if isinstance(pattern, RoutePattern):
                names.extend(pattern.converters)
            else:
                names.extend(pattern.regex.groupindex)
        return names


@dataclass
class Policy:
    """The role check a URL declares: which role each HTTP method needs."""

    kind: str  # "api", "page", "admin", "admin-redirect" or "public"
    roles: dict[str, str] = field(default_factory=dict)


def walk(
    patterns: list[Any], parents: tuple[Any, ...] = (), namespace: str = ""
) -> Iterator[Endpoint]:
    for entry in patterns:
        chain = (*parents, entry)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from walk(entry.url_patterns, chain, inner)
        elif isinstance(entry, URLPattern):
            yield Endpoint(_url_name(entry, namespace), chain, entry.callback)


def _url_name(entry: URLPattern, namespace: str) -> str:
    name = entry.name
    if name is None:
        # The admin's catch-all and its object-id redirects have no name.
        name = "catch_all" if str(entry.pattern) == "(?P<url>.*)$" else ""
        name = name or f"unnamed {entry.pattern}"
    return f"{namespace}:{name}" if namespace else name


def _dotted(callback: Callable) -> str:
    return f"{callback.__module__}.{callback.__name__}"


def _is_static(endpoint: Endpoint) -> bool:
    return _dotted(endpoint.callback) in STATIC_VIEWS


ENDPOINTS = [
    endpoint
    for endpoint in walk(get_resolver().url_patterns)
    if endpoint.name not in EXCLUDED_NAMES and not _is_static(endpoint)
]


class Unclassified(Exception):
    """The walker found no role check it recognizes on a URL."""


def classify(endpoint: Endpoint) -> Policy:
    callback = endpoint.callback
    if endpoint.name in PUBLIC_NAMES:
        return Policy("public", {"get": ""})

    if endpoint.name.startswith("admin:"):
        return _classify_admin(endpoint)

    view_class = getattr(callback, "cls", None)
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return _classify_api(endpoint)

    return _classify_page(endpoint)


def _classify_admin(endpoint: Endpoint) -> Policy:
    callback = endpoint.callback
    site = admin_site_of(callback)

    if isinstance(site, AdminSite):
        if type(site).has_permission is AdminSite.has_permission:
            raise Unclassified(
                f"{endpoint.name}: the admin site {type(site).__name__} keeps Django's "
                "own has_permission, which lets any staff user in; use "
                "apps.core.admin_site.RoleAdminSite."
            )
        return Policy("admin", {"get": ADMIN})

    view_class = getattr(callback, "view_class", None)
    if view_class is not None and issubclass(view_class, RedirectView):
        return Policy("admin-redirect", {"get": ""})

    raise Unclassified(f"{endpoint.name}: admin URL not wrapped by admin_view.")


def model_admin_of(callback: Callable) -> ModelAdmin | None:
    """Return the ModelAdmin behind an admin view, or None for site-wide views.

    ModelAdmin.get_urls marks its views with `model_admin`; views a ModelAdmin adds
    itself (UserAdmin's password form) wrap one of its bound methods.
    """
    model_admin = getattr(callback, "model_admin", None)
    if model_admin is not None:
        return model_admin
    owner = getattr(getattr(callback, "__wrapped__", None), "__self__", None)
    return owner if isinstance(owner, ModelAdmin) else None


def admin_site_of(callback: Callable) -> AdminSite | None:
    """Return the admin site whose `admin_view` wraps the callback, if any."""
    model_admin = model_admin_of(callback)
    if model_admin is not None:
        return model_admin.admin_site
    site = getattr(callback, "admin_site", None)
    if site is not None:
        return site
    # admin_view() keeps the site in the closure of the function it returns.
    for cell in callback.__closure__ or ():
        if isinstance(cell.cell_contents, AdminSite):
            return cell.cell_contents
    return None


def _classify_api(endpoint: Endpoint) -> Policy:
    view_class = endpoint.callback.cls
    initkwargs = getattr(endpoint.callback, "initkwargs", {})
    permissions = initkwargs.get("permission_classes", view_class.permission_classes)

    actions = getattr(endpoint.callback, "actions", None)
    if actions:
        methods = [method for method in actions if method not in ("head", "options")]
    else:
        methods = [m for m in ("get", *WRITE_METHODS) if hasattr(view_class, m)]

    roles = {method: _api_role(endpoint, permissions, method) for method in methods}
    return Policy("api", roles)


def _api_role(endpoint: Endpoint, permissions: list[type], method: str) -> str:
    needed = set()
    for permission in permissions:
        if permission is IsViewer:
            needed.add(VIEWER)
        elif permission is IsAdmin:
            needed.add(ADMIN)
        elif permission is IsViewerReadOrAdmin:
            needed.add(VIEWER if method.upper() in SAFE_METHODS else ADMIN)
        else:
            raise Unclassified(
                f"{endpoint.name}: permission class {permission.__name__} is not a "
                "role check; use IsViewer, IsAdmin or IsViewerReadOrAdmin from "
                "apps.core.permissions."
            )

    if not needed:
        raise Unclassified(f"{endpoint.name}: the view has no permission classes.")
    return ADMIN if ADMIN in needed else VIEWER


def _classify_page(endpoint: Endpoint) -> Policy:
    callback = endpoint.callback
    view_class = getattr(callback, "view_class", None)

    if view_class is not None:
        role = _mixin_role(view_class)
        methods = [
            method
            for method in ("get", *WRITE_METHODS)
            if method in view_class.http_method_names and hasattr(view_class, method)
        ]
    else:
        role, methods = _decorator_role_and_methods(callback)

    if role is None:
        raise Unclassified(
            f"{endpoint.name} ({_dotted(callback)}): no role check found; use "
            "ViewerRequiredMixin/AdminRequiredMixin or the viewer_required/"
            "admin_required decorators from apps.core.permissions."
        )
    return Policy("page", dict.fromkeys(methods, role))


def _mixin_role(view_class: type) -> str | None:
    if issubclass(view_class, AdminRequiredMixin):
        return ADMIN
    if issubclass(view_class, ViewerRequiredMixin):
        return VIEWER
    return None


def _decorator_role_and_methods(
    callback: Callable,
) -> tuple[str | None, list[str]]:
    """Find the role check and the allowed methods in a decorated view function.

    `viewer_required`/`admin_required` and Django's `require_http_methods` keep their
    argument in the wrapper's closure, and `functools.wraps` links each wrapper to
    the function it wraps through `__wrapped__`.
    """
    role = getattr(callback, "required_role", None)
    methods = ["get", "post"]
    function: Any = callback

    while function is not None:
        for cell in function.__closure__ or ():
            contents = cell.cell_contents
            if callable(contents) and contents in ROLE_CHECKS:
                role = role or ROLE_CHECKS[contents]
            if _is_method_list(contents):
                methods = [method.lower() for method in contents]
        function = getattr(function, "__wrapped__", None)

    return role, [method for method in methods if method in ("get", *WRITE_METHODS)]


def _is_method_list(value: Any) -> bool:
    if not isinstance(value, list | tuple) or not value:
        return False
    return all(isinstance(item, str) and item.isupper() for item in value)


@pytest.fixture
def users(db) -> dict[str, Any]:
    return {
        "no_role": UserFactory(username="role-test-nobody"),
        VIEWER: UserFactory(username="role-test-viewer", role=VIEWER),
        ADMIN: UserFactory(username="role-test-admin", role=ADMIN),
    }


@pytest.fixture
def objects(users) -> dict[type[models.Model], models.Model]:
    """Create one row of every model a URL can point at, keyed by model."""
    commcell = CommCellFactory(name="role-test")
    plan = PlanFactory(commcell=commcell)
    copy = StoragePolicyCopyFactory(
        commcell=commcell, storage_policy=plan.storage_policy
    )
    store = DDBStoreFactory(commcell=commcell)
    log_file = LogFileFactory(commcell=commcell)
    log_source = LogSourceFactory(commcell=commcell)
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    created = [
        commcell,
        plan,
        plan.storage_policy,
        copy,
        RetentionRuleFactory(copy=copy),
        RetentionSettings.objects.create(commcell=commcell),
        JobOnCopy.objects.create(
            commcell=commcell, copy=copy, job_id=1, collected_at=timezone.now()
        ),
        SyncRunFactory(commcell=commcell),
        ClientFactory(commcell=commcell),
        JobFactory(commcell=commcell, plan=plan),
        StoragePoolFactory(commcell=commcell),
        MediaAgentFactory(commcell=commcell),
        StoragePoolSnapshotFactory(pool__commcell=commcell),
        MediaAgentSnapshotFactory(media_agent__commcell=commcell),
        store,
        DDBPartitionFactory(store=store),
        DDBStoreSnapshotFactory(store=store),
        DataAgingRunFactory(commcell=commcell),
        PruningThresholds.objects.create(),
        log_file,
        LogEventFactory(log_file=log_file),
        log_source,
        LogSourceFileFactory(source=log_source),
        FindingFactory(commcell=commcell),
        AnalysisRunFactory(commcell=commcell),
        interval,
        CrontabSchedule.objects.create(),
        SolarSchedule.objects.create(event="sunrise", latitude=0, longitude=0),
        ClockedSchedule.objects.create(clocked_time=datetime(2027, 1, 1, tzinfo=UTC)),
        PeriodicTask.objects.create(name="role-test", task="noop", interval=interval),
        Token.objects.create(user=users[ADMIN]),
        audit.record(actor=users[ADMIN], action="role.test", obj=commcell),
        Group.objects.get(name=VIEWER),
        users[ADMIN],
    ]
    return {type(row): row for row in created}


def find_object(
    objects: dict[type[models.Model], models.Model], model: type[models.Model]
) -> models.Model:
    for row_type, row in objects.items():
        if row_type is model:
            return row
        if issubclass(model, row_type):
            # A proxy model (such as the admin's TokenProxy) may define its own pk.
            return model._default_manager.get(pk=row.pk)
    row = model._default_manager.order_by("pk").first()
    if row is None:
        pytest.fail(f"No {model.__name__} row: create one in the objects fixture.")
    return row


def model_by_name(name: str) -> type[models.Model] | None:
    for model in apps.get_models():
        if model._meta.model_name == name:
            return model
    return None


def model_from_segment(route: str, kwarg: str) -> type[models.Model] | None:
    """Guess the model from the path segment before the argument: sync-runs → syncrun."""
    found = re.search(r"([\w-]+)/(?:\(\?P<|<(?:\w+:)?)" + kwarg + r">", route)
    if found is None:
        return None
    segment = found.group(1).replace("-", "").replace("_", "").lower()
    for candidate in (segment, segment.removesuffix("s"), segment[:-3] + "y"):
        model = model_by_name(candidate)
        if model is not None:
            return model
    return None


def kwarg_value(endpoint: Endpoint, kwarg: str, objects: dict) -> Any:
    explicit = URL_KWARGS.get(endpoint.name, {})
    if kwarg in explicit:
        value = explicit[kwarg]
        return value(objects) if callable(value) else value

    model = kwarg_model(endpoint, kwarg)
    if model is None:
        pytest.fail(
            f"{endpoint.name} ({endpoint.route}): cannot tell which object "
            f"{kwarg!r} names; add it to URL_KWARGS."
        )
    return find_object(objects, model).pk


def kwarg_model(endpoint: Endpoint, kwarg: str) -> type[models.Model] | None:
    model_admin = model_admin_of(endpoint.callback)
    if model_admin is not None and kwarg in ("object_id", "id"):
        return model_admin.model

    if endpoint.name.startswith("admin:unnamed") and kwarg == "object_id":
        # The object-id redirect sits under "<app_label>/<model_name>/".
        app_label, model_name = str(endpoint.parts[-2].pattern).strip("/").split("/")
        return apps.get_model(app_label, model_name)

    if kwarg.endswith(("_id", "_pk")):
        model = model_by_name(kwarg[:-3].replace("_", ""))
        if model is not None:
            return model
    return model_from_segment(endpoint.route, kwarg)


def build_path(endpoint: Endpoint, objects: dict) -> str:
    values = {
        name: kwarg_value(endpoint, name, objects) for name in endpoint.kwarg_names
    }
    path = "/"
    for part in endpoint.parts:
        path += _fill(part.pattern, values)

    match = resolve(path)
    assert match.func is endpoint.callback, f"{path} resolves to {match.func}"
    return path


def _fill(pattern: Any, values: dict[str, Any]) -> str:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), text)

    assert isinstance(pattern, RegexPattern)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), text)
    return text.removeprefix("^").removesuffix("$")


@pytest.fixture
def clients(users) -> dict[str, Client]:
    result = {"anonymous": Client()}
    for key, user in users.items():
        client = Client()
        client.force_login(user)
        result[key] = client
    return result


def call(client: Client, method: str, path: str) -> HttpResponse:
    if method == "get":
        return client.get(path)
    return client.generic(method.upper(), path, "{}", content_type="application/json")


def ordered(roles: dict[str, str]) -> list[tuple[str, str]]:
    """Return reads first and deletes last, so a delete cannot hide an earlier call."""
    order = ["get", "post", "put", "patch", "delete"]
    return sorted(roles.items(), key=lambda item: order.index(item[0]))


def redirects_to(response: HttpResponse, prefix: str) -> bool:
    return response.status_code in (301, 302) and response["Location"].startswith(
        prefix
    )


def assert_allowed(response: HttpResponse, method: str, label: str) -> None:
    status = response.status_code
    if method == "get":
        login = resolve_url(settings.LOGIN_URL)
        assert status == 200 or (
            status == 302 and not response["Location"].startswith(login)
        ), f"{label}: {status}"
        return
    assert status not in (401, 403, 404, 405), f"{label}: {status}"
    assert status < 500, f"{label}: {status}"


def check_api(policy: Policy, path: str, clients: dict[str, Client]) -> None:
    for method, role in ordered(policy.roles):
        label = f"{method.upper()} {path}"
        anonymous = call(clients["anonymous"], method, path)
        no_role = call(clients["no_role"], method, path)
        viewer = call(clients[VIEWER], method, path)

        assert anonymous.status_code in (401, 403), f"{label} anonymous"
        assert no_role.status_code == 403, f"{label} no role"
        if role == VIEWER:
            assert_allowed(viewer, method, f"{label} viewer")
        else:
            assert viewer.status_code == 403, f"{label} viewer"
        assert_allowed(call(clients[ADMIN], method, path), method, f"{label} admin")


def check_page(policy: Policy, path: str, clients: dict[str, Client]) -> None:
    login = resolve_url(settings.LOGIN_URL)
    for method, role in ordered(policy.roles):
        label = f"{method.upper()} {path}"
        anonymous = call(clients["anonymous"], method, path)
        no_role = call(clients["no_role"], method, path)
        viewer = call(clients[VIEWER], method, path)

        assert redirects_to(anonymous, login), f"{label} anonymous"
        assert no_role.status_code == 403, f"{label} no role"
        if role == VIEWER:
            assert_allowed(viewer, method, f"{label} viewer")
        else:
            assert viewer.status_code == 403, f"{label} viewer"
        assert_allowed(call(clients[ADMIN], method, path), method, f"{label} admin")


def check_admin_site(
    endpoint: Endpoint, path: str, clients: dict[str, Client], users: dict, objects
) -> None:
    for role in ("anonymous", "no_role", VIEWER):
        response = clients[role].get(path)
        assert redirects_to(response, "/admin/login/"), f"GET {path} {role}"

    expected = admin_site_status(endpoint, users[ADMIN], objects)
    response = clients[ADMIN].get(path)
    assert not redirects_to(response, "/admin/login/"), f"GET {path} admin"
    if expected is not None:
        assert response.status_code == expected, f"GET {path} admin"
    assert response.status_code < 500, f"GET {path} admin"


def admin_site_status(endpoint: Endpoint, user: Any, objects: dict) -> int | None:
    """Return the status an admin gets, from the ModelAdmin's own permission checks.

    The role check lets an admin into the admin site, and each ModelAdmin then
    decides per model: read-only admins, such as the audit log's, refuse adding and
    deleting. None means any status except a refusal by the role check.
    """
    if endpoint.name in ADMIN_SITE_STATUS:
        return ADMIN_SITE_STATUS[endpoint.name]

    model_admin = model_admin_of(endpoint.callback)
    if model_admin is None:
        return 200

    request = RequestFactory().get("/")
    request.user = user
    obj = find_object(objects, model_admin.model)
    checks = {
        "changelist": lambda: model_admin.has_view_or_change_permission(request),
        "add": lambda: model_admin.has_add_permission(request),
        "change": lambda: model_admin.has_view_or_change_permission(request, obj),
        "history": lambda: model_admin.has_view_or_change_permission(request, obj),
        "delete": lambda: model_admin.has_delete_permission(request, obj),
    }
    if endpoint.name.endswith("password_change"):
        return 200 if model_admin.has_change_permission(request, obj) else 403

    check = checks.get(endpoint.name.rsplit("_", 1)[-1])
    if check is None:
        return None
    return 200 if check() else 403


def check_admin_redirect(path: str, clients: dict[str, Client]) -> None:
    response = clients["anonymous"].get(path)
    assert response.status_code in (301, 302), f"GET {path} anonymous"

    target = resolve(response["Location"].split("?")[0]).func
    assert model_admin_of(target) is not None, f"{path} redirects outside the admin"

    followed = clients[VIEWER].get(response["Location"])
    assert redirects_to(followed, "/admin/login/"), f"{path} target, viewer"


def check_public(endpoint: Endpoint, path: str, clients: dict[str, Client]) -> None:
    for role, client in clients.items():
        response = client.get(path)
        assert response.status_code == 200, f"GET {path} {role}"
        assert response.json() == PUBLIC_NAMES[endpoint.name], f"GET {path} {role}"


def endpoint_id(endpoint: Endpoint) -> str:
    return endpoint.route if "unnamed " in endpoint.name else endpoint.name


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=endpoint_id)
def test_url_enforces_role(endpoint, objects, clients, users):
    try:
        policy = classify(endpoint)
    except Unclassified as exc:
        pytest.fail(str(exc))

    path = build_path(endpoint, objects)

    if policy.kind == "api":
        check_api(policy, path, clients)
    elif policy.kind == "page":
        check_page(policy, path, clients)
    elif policy.kind == "admin":
        check_admin_site(endpoint, path, clients, users, objects)
    elif policy.kind == "admin-redirect":
        check_admin_redirect(path, clients)
    else:
        check_public(endpoint, path, clients)


def test_walker_finds_every_area():
    found = {endpoint.name for endpoint in ENDPOINTS}

    for name in (
        "commcell-list",
        "commcell-collect",
        "job-list",
        "storage-pool-list",
        "ddb-store-detail",
        "api-schema",
        "api-docs",
        "admin:index",
        "core:home",
    ):
        assert name in found, name


def test_walker_skips_only_sign_in_and_static():
    skipped = {
        endpoint.name
        for endpoint in walk(get_resolver().url_patterns)
        if endpoint not in ENDPOINTS
    }

    assert skipped <= set(EXCLUDED_NAMES)


def plain_view(request):
    return HttpResponse("data")


def test_classify_rejects_view_without_role():
    pattern = URLPattern(RoutePattern("open/"), plain_view, name="open")

    with pytest.raises(Unclassified):
        classify(Endpoint("open", (pattern,), plain_view))


def test_classify_rejects_api_without_role():
    from rest_framework.permissions import IsAuthenticated

    class OpenView(APIView):
        permission_classes = [IsAuthenticated]

        def get(self, request):
            return HttpResponse("data")

    callback = OpenView.as_view()
    pattern = URLPattern(RoutePattern("open/"), callback, name="open")

    with pytest.raises(Unclassified):
        classify(Endpoint("open", (pattern,), callback))


@require_POST
@admin_required
def guarded_view(request):
    return HttpResponse("done")


def test_classify_reads_decorated_view():
    pattern = URLPattern(RoutePattern("guarded/"), guarded_view, name="guarded")

    policy = classify(Endpoint("guarded", (pattern,), guarded_view))

    assert policy.kind == "page"
    assert policy.roles == {"post": ADMIN}


def test_viewer_token_reads_plans(users, objects):
    token = Token.objects.create(user=users[VIEWER])

    response = Client().get("/api/plans/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_viewer_token_cannot_collect(users, objects):
    token = Token.objects.create(user=users[VIEWER])
    path = f"/api/commcells/{objects[CommCell].pk}/collect/"

    response = Client().post(path, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 403


def test_admin_token_collects(users, objects):
    token = Token.objects.get(user=users[ADMIN])
    path = f"/api/commcells/{objects[CommCell].pk}/collect/"

    response = Client().post(path, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 202


def test_no_role_token_rejected(users):
    token = Token.objects.create(user=users["no_role"])

    response = Client().get("/api/plans/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 403


def test_unknown_token_rejected(db):
    response = Client().get("/api/plans/", HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401


def test_inactive_user_token_rejected(users):
    token = Token.objects.create(user=users[VIEWER])
    users[VIEWER].is_active = False
    users[VIEWER].save()

    response = Client().get("/api/plans/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401


def test_admin_site_refuses_staff_viewer(users):
    viewer = users[VIEWER]
    viewer.is_staff = True
    viewer.save()
    client = Client()
    client.force_login(viewer)

    response = client.get("/admin/")

    assert redirects_to(response, "/admin/login/")


def test_admin_site_refuses_viewer_post(users, objects):
    client = Client()
    client.force_login(users[VIEWER])
    commcell = objects[CommCell]

    response = client.post(
        f"/admin/commcell/commcell/{commcell.pk}/delete/", {"post": "yes"}
    )

    assert redirects_to(response, "/admin/login/")
    assert CommCell.objects.filter(pk=commcell.pk).exists()


def test_admin_site_opens_for_admin(users):
    client = Client()
    client.force_login(users[ADMIN])

    assert client.get("/admin/").status_code == 200
