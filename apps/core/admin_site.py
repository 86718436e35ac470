from django.contrib import admin
from django.http import HttpRequest

from .roles import is_admin


class RoleAdminSite(admin.AdminSite):
    site_header = "cvanalytics administration"
    site_title = "cvanalytics admin"
    index_title = "Configuration"

    def has_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user) and request.user.is_staff
