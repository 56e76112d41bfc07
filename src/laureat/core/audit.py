"""Writing to the audit log: every domain function that changes state calls ``log_action``."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from laureat.accounts.models import User
from laureat.core.models import AuditLog


def log_action(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one entry. ``actor`` None means the system (a command, a scheduled task)."""
    user = actor if isinstance(actor, User) else None
    return AuditLog.objects.create(
        actor=user,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        data=data or {},
    )
