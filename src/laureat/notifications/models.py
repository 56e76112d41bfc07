"""The outbox of messages to applicants, and each call's notification settings.

The letter's PDF is kept in the row (``BinaryField``) rather than as a file under
MEDIA_ROOT: a decision letter weighs a few kilobytes; the bytes the manager
previews are exactly those sent; replacing or deleting a draft removes its PDF
in the same transaction (no orphan file, nothing to clean up); and no media URL
could ever serve it — it only leaves through the views that check permissions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laureat.core.models import TimeStampedModel
from laureat.notifications.enums import MessageKind, MessageState


class NotificationSettings(TimeStampedModel):
    """What the decision letters of a call say beyond the decision itself."""

    call = models.OneToOneField(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    share_score_summary_with_rejected = models.BooleanField(
        _("joindre un résumé des notes aux courriers de refus"),
        default=False,
        help_text=_(
            "La note moyenne du projet, la note du dernier lauréat et les moyennes par "
            "critère ; jamais le nom des évaluateurs."
        ),
    )
    signatory_name = models.CharField(_("nom du signataire"), max_length=200, blank=True)
    signatory_title = models.CharField(_("qualité du signataire"), max_length=200, blank=True)
    laureate_next_steps = models.TextField(
        _("prochaines étapes pour les lauréats"),
        blank=True,
        help_text=_("Ajouté aux courriers des lauréats, après la liste des conventions à signer."),
    )
    contact_email = models.EmailField(_("adresse de contact"), blank=True)

    class Meta:
        verbose_name = _("paramètres des courriers")
        verbose_name_plural = _("paramètres des courriers")

    def __str__(self) -> str:
        return str(self.call)


class OutboxMessage(TimeStampedModel):
    """One email to the people of one application, prepared as a draft, sent once."""

    call = models.ForeignKey(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    kind = models.CharField(_("nature"), max_length=40, choices=MessageKind.choices)
    recipients = models.JSONField(_("destinataires"), default=list, blank=True)
    subject = models.CharField(_("objet"), max_length=300)
    body = models.TextField(_("texte"))
    attachment_name = models.CharField(_("nom de la pièce jointe"), max_length=200, blank=True)
    attachment = models.BinaryField(_("pièce jointe (PDF)"), blank=True, default=b"")
    state = models.CharField(
        _("état"),
        max_length=20,
        choices=MessageState.choices,
        default=MessageState.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("préparé par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyé par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["call", "kind", "application__reference", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=MessageState.values), name="notifications_message_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="notifications_message_kind_valid"
            ),
            # Sent exactly when it has a date of sending.
            models.CheckConstraint(
                condition=(Q(state=MessageState.SENT) & Q(sent_at__isnull=False))
                | (~Q(state=MessageState.SENT) & Q(sent_at__isnull=True)),
                name="notifications_message_sent_iff_date",
            ),
            models.CheckConstraint(
                condition=~Q(state=MessageState.FAILED) | ~Q(error=""),
                name="notifications_message_failed_has_error",
            ),
            models.CheckConstraint(
                condition=Q(attachment_name="") | Q(attachment_name__endswith=".pdf"),
                name="notifications_message_attachment_pdf",
            ),
            # One draft at a time per application and kind.
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(state=MessageState.DRAFT),
                name="notifications_message_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.subject}"

    @property
    def has_attachment(self) -> bool:
        return bool(self.attachment_name)
