"""The two roles of cvanalytics: viewers read everything, admins also configure and act.

A role is a Django auth group, and superusers count as admins. A migration creates the
groups. Their model permissions are refreshed after every `migrate`, so the Django
admin shows an admin every model of the managed apps and gives a viewer nothing to
change.
"""

import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission

logger = logging.getLogger(__name__)

VIEWER = "viewer"
ADMIN = "admin"
ROLES = (VIEWER, ADMIN)

# Apps whose models admins manage in the Django admin: users and API tokens included,
# so an admin can create viewer accounts and issue tokens.
MANAGED_APP_LABELS = (
    "auth",
    "authtoken",
    "core",
    "commcell",
    "retention",
    "storage",
    "pruning",
    "logs",
    "django_celery_beat",
)


def _role_names(user: Any) -> frozenset[str]:
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return frozenset()

    cached = getattr(user, "_cvanalytics_roles", None)
    if cached is None:
        cached = frozenset(
            user.groups.filter(name__in=ROLES).values_list("name", flat=True)
        )
        if user.is_superuser:
            cached = cached | {ADMIN}
        user._cvanalytics_roles = cached
    return cached


def is_admin(user: Any) -> bool:
    return ADMIN in _role_names(user)


def is_viewer(user: Any) -> bool:
    """Return True for any user with a role: admins can read everything viewers can."""
    return bool(_role_names(user))


def sync_role_permissions(sender: Any = None, **kwargs: Any) -> None:
    """Give the admin group every permission of the managed apps, viewers view only."""
    admin_group, _ = Group.objects.get_or_create(name=ADMIN)
    viewer_group, _ = Group.objects.get_or_create(name=VIEWER)

    managed = Permission.objects.filter(content_type__app_label__in=MANAGED_APP_LABELS)
    admin_group.permissions.set(managed)
    viewer_group.permissions.set(managed.filter(codename__startswith="view_"))
    logger.debug("role permissions refreshed: %d for admin", managed.count())
