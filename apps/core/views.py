from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from .permissions import viewer_required
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
