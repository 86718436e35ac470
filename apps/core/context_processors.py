from typing import Any

from django.http import HttpRequest

from .roles import is_admin, is_viewer


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"is_admin_role": is_admin(user), "is_viewer_role": is_viewer(user)}
