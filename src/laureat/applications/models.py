"""Applications to a call, with their budget (expenses) and resources (who pays)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laureat.applications.enums import ApplicationState, ResourceKind
from laureat.core.models import TimeStampedModel
from laureat.core.money import MoneyField
from laureat.programmes.enums import ExpenseCategory


class Application(TimeStampedModel):
    call = models.ForeignKey(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organisation = models.ForeignKey(
        "applicants.Organisation",
        verbose_name=_("organisation porteuse"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    reference = models.CharField(_("référence"), max_length=40, unique=True)
    title = models.CharField(_("titre du projet"), max_length=300)
    acronym = models.CharField(_("acronyme"), max_length=40, blank=True)
    summary = models.TextField(_("résumé"), max_length=2000, blank=True)
    description = models.TextField(_("description"), blank=True)
    themes = models.ManyToManyField(
        "programmes.Theme", verbose_name=_("thèmes"), blank=True, related_name="applications"
    )
    technologies = models.ManyToManyField(
        "programmes.Technology",
        verbose_name=_("technologies 4.0"),
        blank=True,
        related_name="applications",
    )
    # The territory: the commune gives the department and the region.
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("commune du projet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    learners_targeted = models.PositiveIntegerField(_("apprenants visés"), null=True, blank=True)
    start_date = models.DateField(_("date de démarrage"), null=True, blank=True)
    state = models.CharField(
        _("état"),
        max_length=20,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    # Optimistic locking: each save of the draft increments it; a save that
    # carries an older version is refused (ConflictError) instead of overwriting.
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    is_fictional = models.BooleanField(_("fictive (démonstration)"), default=False)

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["call", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ApplicationState.values),
                name="applications_application_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="applications_application_version_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(state=ApplicationState.DRAFT)
                | Q(state=ApplicationState.WITHDRAWN)
                | Q(submitted_at__isnull=False),
                name="applications_application_submitted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"


class BudgetLine(models.Model):
    """An expense, in one of the call's expense categories."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    category = models.CharField(
        _("catégorie de dépense"), max_length=20, choices=ExpenseCategory.choices
    )
    label = models.CharField(_("libellé"), max_length=300)
    amount = MoneyField(_("montant"))

    class Meta:
        verbose_name = _("ligne de dépense")
        verbose_name_plural = _("lignes de dépense")
        ordering = ["application", "category", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="applications_budgetline_amount_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(category__in=ExpenseCategory.values),
                name="applications_budgetline_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} — {self.label}"


class ResourceLine(models.Model):
    """Who pays: a request to one of the call's co-funders, own funds or other funding."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="resource_lines",
    )
    kind = models.CharField(_("nature"), max_length=20, choices=ResourceKind.choices)
    funder = models.ForeignKey(
        "programmes.Funder",
        verbose_name=_("cofinanceur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resource_lines",
    )
    label = models.CharField(_("libellé"), max_length=300, blank=True)
    amount = MoneyField(_("montant"))

    class Meta:
        verbose_name = _("ligne de ressource")
        verbose_name_plural = _("lignes de ressource")
        ordering = ["application", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="applications_resourceline_amount_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ResourceKind.values),
                name="applications_resourceline_kind_valid",
            ),
            # A request names its funder; other resources name none.
            models.CheckConstraint(
                condition=(Q(kind=ResourceKind.FUNDER) & Q(funder__isnull=False))
                | (~Q(kind=ResourceKind.FUNDER) & Q(funder__isnull=True)),
                name="applications_resourceline_funder_iff_request",
            ),
            models.UniqueConstraint(
                fields=["application", "funder"],
                condition=Q(funder__isnull=False),
                name="applications_resourceline_one_request_per_funder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder or self.get_kind_display()} — {self.amount}"


class Answer(models.Model):
    """The answer to one of the call's own questions (``programmes.CallQuestion``).

    ``value`` is JSON: a string (texts, dates in ISO format, single choice), a
    number, a boolean, a list of strings (multiple choice), or for a file its
    name and SHA-256.
    """

    application = models.ForeignKey(
        Application, verbose_name=_("candidature"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "programmes.CallQuestion",
        verbose_name=_("question"),
        on_delete=models.PROTECT,
        related_name="answers",
    )
    value = models.JSONField(_("réponse"), null=True, blank=True)
    file = models.FileField(_("fichier"), upload_to="answers/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        ordering = ["application", "question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "question"], name="applications_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question} — {self.value}"


class Submission(models.Model):
    """One submission of an application: the frozen snapshot and its receipt.

    A file reopened for correction and submitted again gets a new submission
    (``sequence`` + 1); earlier ones are kept.
    """

    application = models.ForeignKey(
        Application,
        verbose_name=_("candidature"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    sequence = models.PositiveIntegerField(_("numéro de dépôt"))
    receipt_number = models.CharField(_("numéro de récépissé"), max_length=60, unique=True)
    submitted_at = models.DateTimeField(_("déposée le"))
    snapshot = models.JSONField(_("contenu figé"))
    snapshot_sha256 = models.CharField(_("empreinte SHA-256 du contenu"), max_length=64)
    by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("déposée par"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )

    class Meta:
        verbose_name = _("dépôt")
        verbose_name_plural = _("dépôts")
        ordering = ["application", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "sequence"], name="applications_submission_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="applications_submission_sequence_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(snapshot_sha256__regex=r"^[0-9a-f]{64}$"),
                name="applications_submission_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number
