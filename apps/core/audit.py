"""Write audit rows; call inside the transaction of the change being recorded."""

import logging
from typing import Any

from django.db import models

from .models import AuditLog

logger = logging.getLogger(__name__)


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    request_id: str = "",
) -> AuditLog:
    user = actor if getattr(actor, "pk", None) else None
    entry = AuditLog.objects.create(
        actor=user,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        before=before,
        after=after,
        request_id=request_id,
    )
    logger.info(
        "audit %s: %s by %s on %s %s",
        entry.pk,
        action,
        entry.actor_name,
        entry.object_type,
        entry.object_id,
    )
    return entry
