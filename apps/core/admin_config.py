from django.contrib.admin.apps import AdminConfig


class CvAdminConfig(AdminConfig):
    """Django admin that only members of the admin role can open."""

    default_site = "apps.core.admin_site.RoleAdminSite"
