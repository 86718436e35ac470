"""Role checks for pages (mixins and decorators) and for the API (DRF permissions)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .roles import ADMIN, VIEWER, is_admin, is_viewer


class ViewerRequiredMixin(AccessMixin):
    """Page for any user with a role; anonymous users go to the login page."""

    def has_role(self, user: Any) -> bool:
        return is_viewer(user)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_role(request.user):
            raise PermissionDenied("Your account has no cvanalytics role.")
        return super().dispatch(request, *args, **kwargs)


class AdminRequiredMixin(ViewerRequiredMixin):
    """Page or action for admins only; viewers get 403."""

    def has_role(self, user: Any) -> bool:
        return is_admin(user)


def _role_required(check: Callable[[Any], bool], role: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        # Read by the test that checks every URL declares a role.
        wrapped.required_role = role
        return wrapped

    return decorator


viewer_required = _role_required(is_viewer, VIEWER)
admin_required = _role_required(is_admin, ADMIN)


class IsViewer(BasePermission):
    """Any user with a role may read."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_viewer(request.user)


class IsAdmin(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return is_admin(request.user)


class IsViewerReadOrAdmin(BasePermission):
    """Viewers may read; changes and triggered actions need the admin role."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return is_viewer(request.user)
        return is_admin(request.user)
