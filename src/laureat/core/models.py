"""Base model and the append-only audit log."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")

    def for_object(self, obj: models.Model) -> "AuditLogQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )


class AuditLog(models.Model):
    """Who did what, when, to which object, with which data. Never updated, never deleted.

    Database triggers (migration 0002) refuse UPDATE on SQLite and PostgreSQL,
    and DELETE on PostgreSQL, so not even raw SQL rewrites history. (SQLite
    keeps DELETE possible for the test suite's table flush; the ORM refuses it.)
    """

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        # A person who acted cannot be deleted, only deactivated: history stays whole.
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("type d'objet"), on_delete=models.PROTECT
    )
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64)
    object_repr = models.CharField(_("objet"), max_length=300)
    data = models.JSONField(_("données"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")
