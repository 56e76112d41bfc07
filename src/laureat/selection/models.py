"""The selection policy of a call, and the optimiser's runs (proposals) kept as records."""

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
