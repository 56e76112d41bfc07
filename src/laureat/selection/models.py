"""The selection policy of a call, and the optimiser's runs (proposals) kept as records."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laureat.core.models import TimeStampedModel
from laureat.core.money import MoneyField
from laureat.selection.enums import DecisionOutcome
from laureat.selection.optimiser import Objective, ScoreScale


class SelectionSettings(TimeStampedModel):
    """What the committee maximises and under which constraints (shown to the committee)."""

    call = models.OneToOneField(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="selection_settings",
    )
    objective = models.CharField(
        _("objectif"),
        max_length=20,
        choices=[
            (Objective.MERIT_MONEY.value, _("Montant pondéré par le mérite (score × aide)")),
            (Objective.TOTAL_SCORE.value, _("Somme des scores (favorise les petits projets)")),
        ],
        default=Objective.MERIT_MONEY.value,
    )
    score_scale = models.CharField(
        _("scores"),
        max_length=20,
        choices=[
            (ScoreScale.RAW.value, _("bruts")),
            (ScoreScale.NORMALISED.value, _("normalisés")),
        ],
        default=ScoreScale.RAW.value,
    )
    min_score = models.DecimalField(
        _("score minimal (sur 20)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    region_floor = models.PositiveSmallIntegerField(
        _("lauréats minimum par région candidate"), default=1
    )
    region_floor_score = models.DecimalField(
        _("score plancher pour le minimum régional (sur 20)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    region_cap_count = models.PositiveSmallIntegerField(
        _("lauréats maximum par région"), null=True, blank=True
    )
    region_cap_share = models.DecimalField(
        _("part maximale du budget par région"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
    )
    partial_min = models.DecimalField(
        _("financement partiel : part minimale de la demande"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
    )
    # The committee's forced choices (application ids), fed to the optimiser.
    forced_in = models.JSONField(_("retenues d'office"), default=list, blank=True)
    forced_out = models.JSONField(_("écartées d'office"), default=list, blank=True)

    class Meta:
        verbose_name = _("paramètres de sélection")
        verbose_name_plural = _("paramètres de sélection")
        constraints = [
            models.CheckConstraint(
                condition=Q(region_cap_share__isnull=True)
                | (Q(region_cap_share__gte=0) & Q(region_cap_share__lte=1)),
                name="selection_settings_cap_share_range",
            ),
            models.CheckConstraint(
                condition=Q(partial_min__isnull=True)
                | (Q(partial_min__gt=0) & Q(partial_min__lte=1)),
                name="selection_settings_partial_range",
            ),
            models.CheckConstraint(
                condition=Q(min_score__isnull=True)
                | (Q(min_score__gte=0) & Q(min_score__lte=Decimal("20"))),
                name="selection_settings_min_score_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.call)


class SelectionRun(TimeStampedModel):
    """One run of the optimiser on a call: its input policy and its result, as JSON."""

    call = models.ForeignKey(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="selection_runs",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancé par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.JSONField(_("résultat"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("proposition de sélection")
        verbose_name_plural = _("propositions de sélection")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.call} — {self.created_at:%Y-%m-%d %H:%M}"


class Decision(TimeStampedModel):
    """The committee's decision on one application, with its awards per funder.

    It stays pending (``published_at`` empty) until the manager publishes all the
    decisions of the call at once; only then does the application change state and
    may the public or the applicant see it.
    """

    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="decision",
    )
    outcome = models.CharField(_("décision"), max_length=20, choices=DecisionOutcome.choices)
    waiting_rank = models.PositiveSmallIntegerField(
        _("rang sur la liste d'attente"), null=True, blank=True
    )
    reason = models.TextField(_("motifs"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistrée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    meeting = models.ForeignKey(
        "selection.CommitteeMeeting",
        verbose_name=_("séance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    # What the loaded proposal said, to show proposal vs decision.
    proposed_outcome = models.CharField(
        _("proposition"), max_length=20, choices=DecisionOutcome.choices, blank=True
    )
    proposed_amount = MoneyField(_("montant proposé"), null=True, blank=True)

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values),
                name="selection_decision_outcome_valid",
            ),
            # A rank exactly when the application is on the waiting list.
            models.CheckConstraint(
                condition=(
                    Q(outcome=DecisionOutcome.WAITING_LIST, waiting_rank__isnull=False)
                    | (~Q(outcome=DecisionOutcome.WAITING_LIST) & Q(waiting_rank__isnull=True))
                ),
                name="selection_decision_waiting_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.get_outcome_display()}"


class DecisionAward(models.Model):
    """The amount one funder grants to a laureate."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("décision"), on_delete=models.CASCADE, related_name="awards"
    )
    funder = models.ForeignKey(
        "programmes.Funder",
        verbose_name=_("cofinanceur"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    amount = MoneyField(_("montant attribué"))

    class Meta:
        verbose_name = _("montant attribué")
        verbose_name_plural = _("montants attribués")
        constraints = [
            models.UniqueConstraint(fields=["decision", "funder"], name="selection_award_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="selection_award_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.funder}: {self.amount}"


def meeting_attachment_path(instance: "MeetingAttachment", filename: str) -> str:
    """A random name under committee/: the original name is kept in the row only."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else "bin"
    return f"committee/{instance.meeting_id or 0}/{uuid.uuid4().hex}.{extension[:10]}"


class CommitteeMeeting(TimeStampedModel):
    """A selection committee meeting: who sat, the quorum, the minutes."""

    call = models.ForeignKey(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="committee_meetings",
    )
    held_on = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu ou lien de visioconférence"), max_length=300, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membres présents"),
        blank=True,
        related_name="committee_meetings",
    )
    quorum = models.PositiveSmallIntegerField(_("quorum (membres présents requis)"), default=1)
    minutes = models.TextField(_("procès-verbal"), blank=True)
    run = models.ForeignKey(
        SelectionRun,
        verbose_name=_("proposition chargée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("séance du comité")
        verbose_name_plural = _("séances du comité")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum__gte=1), name="selection_meeting_quorum_gte_1"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call} — {self.held_on:%Y-%m-%d %H:%M}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class MeetingAttachment(models.Model):
    """A file of the meeting (minutes signed, slides), checked by content like documents."""

    meeting = models.ForeignKey(
        CommitteeMeeting,
        verbose_name=_("séance"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("fichier"), upload_to=meeting_attachment_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    label = models.CharField(_("libellé"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("pièce de séance")
        verbose_name_plural = _("pièces de séance")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.label or self.original_name
