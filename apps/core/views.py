from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from .permissions import viewer_required


@viewer_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("retention:dashboard")


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: no data, only whether the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
