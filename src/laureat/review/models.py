"""Review of applications: settings per call, the reviewer pool, conflicts of interest,
assignments, and the reviews with their scores per criterion."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from laureat.core.models import TimeStampedModel
from laureat.review.enums import AssignmentState, ConflictSource, Recommendation, ReviewerState


class ReviewSettings(TimeStampedModel):
    call = models.OneToOneField(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="review_settings",
    )
    reviewers_per_application = models.PositiveSmallIntegerField(
        _("évaluateurs par candidature"), default=3
    )
    min_load = models.PositiveSmallIntegerField(_("charge minimale par évaluateur"), default=0)
    max_load = models.PositiveSmallIntegerField(_("charge maximale par évaluateur"), default=12)
    opens_at = models.DateTimeField(_("début de l'évaluation"), null=True, blank=True)
    closes_at = models.DateTimeField(_("fin de l'évaluation"), null=True, blank=True)
    show_other_scores = models.BooleanField(
        _("montrer les autres notes après avoir rendu la sienne"), default=False
    )
    anonymise_applicants = models.BooleanField(_("anonymiser les porteurs"), default=False)
    conflict_same_department = models.BooleanField(_("conflit si même département"), default=False)
    normalise_scores = models.BooleanField(
        _("normaliser la sévérité des évaluateurs"), default=True
    )
    disagreement_threshold = models.DecimalField(
        _("seuil de désaccord (écart type, sur 20)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
    )

    class Meta:
        verbose_name = _("paramètres d'évaluation")
        verbose_name_plural = _("paramètres d'évaluation")
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewers_per_application__gte=1),
                name="review_settings_k_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(max_load__gte=F("min_load")), name="review_settings_loads_ordered"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="review_settings_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return str(self.call)


class Reviewer(TimeStampedModel):
    """A person in the reviewer pool of a call, with their expertise and affiliations."""

    call = models.ForeignKey(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="reviewers",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.PROTECT,
        related_name="reviewer_roles",
    )
    state = models.CharField(
        _("état"), max_length=20, choices=ReviewerState.choices, default=ReviewerState.INVITED
    )
    themes = models.ManyToManyField(
        "programmes.Theme", verbose_name=_("thèmes d'expertise"), blank=True, related_name="+"
    )
    technologies = models.ManyToManyField(
        "programmes.Technology", verbose_name=_("technologies"), blank=True, related_name="+"
    )
    expertise = models.TextField(_("expertise (texte libre)"), blank=True)
    affiliations = models.ManyToManyField(
        "applicants.Organisation", verbose_name=_("affiliations"), blank=True, related_name="+"
    )
    region = models.ForeignKey(
        "territories.Region",
        verbose_name=_("région"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    max_load = models.PositiveSmallIntegerField(
        _("charge maximale (si différente de l'appel)"), null=True, blank=True
    )
    invited_at = models.DateTimeField(_("invité le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("dernière relance le"), null=True, blank=True)

    class Meta:
        verbose_name = _("évaluateur")
        verbose_name_plural = _("évaluateurs")
        ordering = ["call", "user__last_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="review_reviewer_unique"),
            models.CheckConstraint(
                condition=Q(state__in=ReviewerState.values), name="review_reviewer_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Conflict(TimeStampedModel):
    """A conflict of interest: the reviewer never sees, is assigned to or scores the application."""

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    reviewer = models.ForeignKey(
        Reviewer, verbose_name=_("évaluateur"), on_delete=models.CASCADE, related_name="conflicts"
    )
    source = models.CharField(_("origine"), max_length=30, choices=ConflictSource.choices)
    reason = models.CharField(_("motif"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("conflit d'intérêts")
        verbose_name_plural = _("conflits d'intérêts")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer", "source"], name="review_conflict_unique"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ConflictSource.values), name="review_conflict_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} × {self.application_id} ({self.get_source_display()})"


class Assignment(TimeStampedModel):
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    reviewer = models.ForeignKey(
        Reviewer, verbose_name=_("évaluateur"), on_delete=models.CASCADE, related_name="assignments"
    )
    state = models.CharField(
        _("état"), max_length=20, choices=AssignmentState.choices, default=AssignmentState.PROPOSED
    )
    affinity = models.FloatField(_("affinité"), default=0.0)
    forced = models.BooleanField(_("imposée par le gestionnaire"), default=False)
    notified_at = models.DateTimeField(_("annoncée à l'évaluateur le"), null=True, blank=True)

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_assignment_unique"
            ),
            models.CheckConstraint(
                condition=Q(state__in=AssignmentState.values),
                name="review_assignment_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(affinity__gte=0) & Q(affinity__lte=1),
                name="review_assignment_affinity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application_id}"


class Review(TimeStampedModel):
    assignment = models.OneToOneField(
        Assignment, verbose_name=_("affectation"), on_delete=models.CASCADE, related_name="review"
    )
    overall_comment = models.TextField(_("appréciation générale"), blank=True)
    recommendation = models.CharField(
        _("recommandation"), max_length=20, choices=Recommendation.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("rendue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")

    def __str__(self) -> str:
        return f"{self.assignment}"


class Score(models.Model):
    review = models.ForeignKey(
        Review, verbose_name=_("évaluation"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        "programmes.Criterion",
        verbose_name=_("critère"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    value = models.DecimalField(_("note"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="review_score_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="review_score_value_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"
