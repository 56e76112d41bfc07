"""Attachments of applications, and requests for information with their replies."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laureat.documents.detect import BY_CONTENT_TYPE
from laureat.documents.enums import Section


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A random name under MEDIA_ROOT/attachments/, with the extension of the detected type.

    Nothing of the uploaded name reaches the disk: no path tricks, no collisions.
    """
    detected = BY_CONTENT_TYPE.get(instance.content_type)
    extension = detected.extension if detected else ""
    return f"attachments/{uuid.uuid4().hex}{extension}"


class InformationRequest(models.Model):
    """A manager asks the applicant for more information, possibly reopening sections."""

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="information_requests",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyée par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.TextField(_("message"))
    sections = models.JSONField(_("sections à corriger"), default=list, blank=True)
    reopened = models.BooleanField(_("rouverte pour correction"), default=False)
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande de compléments")
        verbose_name_plural = _("demandes de compléments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(message=""), name="documents_request_message_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} — {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def section_labels(self) -> list[str]:
        return [str(Section(s).label) for s in self.sections if s in Section.values]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class InformationReply(models.Model):
    """The applicant's answer to a request: a text and, through ``Attachment.reply``, files."""

    request = models.ForeignKey(
        InformationRequest,
        verbose_name=_("demande"),
        on_delete=models.CASCADE,
        related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réponse à une demande de compléments")
        verbose_name_plural = _("réponses aux demandes de compléments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(message=""), name="documents_reply_message_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """A file of an application (or of a reply to a request), checked by content and scanned.

    Stored under a random name in MEDIA_ROOT/attachments/ and served only through
    ``documents:download`` to people who may see the application. Deleting while
    the draft is editable is a soft delete (``deleted_at``); once submitted, the
    attachments are frozen.
    """

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    reply = models.ForeignKey(
        InformationReply,
        verbose_name=_("réponse à une demande"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    label = models.CharField(_("libellé"), max_length=200, blank=True)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type de fichier"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "deleted_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="documents_attachment_size_gt_0"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="documents_attachment_sha256_64_hex",
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=list(BY_CONTENT_TYPE)),
                name="documents_attachment_content_type_accepted",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.original_name

    @property
    def type_label(self) -> str:
        detected = BY_CONTENT_TYPE.get(self.content_type)
        return detected.label if detected else self.content_type

    @property
    def download_name(self) -> str:
        """The original name, with the extension of the detected type when it differs."""
        detected = BY_CONTENT_TYPE.get(self.content_type)
        name = self.original_name
        if detected is None:
            return name
        extensions = [detected.extension]
        if detected.extension == ".jpg":
            extensions.append(".jpeg")
        if not name.lower().endswith(tuple(extensions)):
            name += detected.extension
        return name
