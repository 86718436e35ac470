from typing import Any

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from . import audit
from .permissions import ViewerRequiredMixin, viewer_required
from .roles import is_admin


@viewer_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("retention:dashboard")


@viewer_required
def account(request: HttpRequest) -> HttpResponse:
    """Show the logged-in user's name and role."""
    role = "admin" if is_admin(request.user) else "viewer"
    return render(request, "core/account.html", {"role": role})


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: no data, only whether the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class PasswordChangeView(ViewerRequiredMixin, auth_views.PasswordChangeView):
    """Let any user with a role change their own password, and audit the change."""

    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:password-change-done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(
            actor=self.request.user,
            action="account.password.change",
            obj=self.request.user,
            request_id=getattr(self.request, "request_id", ""),
        )
        return response


class PasswordChangeDoneView(ViewerRequiredMixin, auth_views.PasswordChangeDoneView):
    template_name = "core/password_change_done.html"
