"""Programmes, their calls for projects, co-funders and envelopes, criteria, themes."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laureat.core.models import TimeStampedModel
from laureat.core.money import MoneyField
from laureat.programmes.enums import CallPhase, CallState, ExpenseCategory, ProgrammeRoleKind


class Programme(TimeStampedModel):
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgrammeRole(TimeStampedModel):
    """A person's role in a programme: manager, or reviewer / committee member."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="roles"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="programme_roles",
    )
    role = models.CharField(_("rôle"), max_length=20, choices=ProgrammeRoleKind.choices)

    class Meta:
        verbose_name = _("rôle dans un programme")
        verbose_name_plural = _("rôles dans les programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "user", "role"], name="programmes_role_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=ProgrammeRoleKind.values), name="programmes_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.programme}"


class Theme(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Technology(models.Model):
    """An Industry 4.0 technology (reference list, loaded by a data migration)."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    name = models.CharField(_("nom"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("technologie")
        verbose_name_plural = _("technologies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Funder(TimeStampedModel):
    """A co-funder, such as the Banque des Territoires or the State."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    name = models.CharField(_("nom"), max_length=200, unique=True)
    short_name = models.CharField(_("nom court"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agents"),
        blank=True,
        related_name="funders",
    )

    class Meta:
        verbose_name = _("cofinanceur")
        verbose_name_plural = _("cofinanceurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Call(TimeStampedModel):
    """A call for projects (appel à projets / à manifestation d'intérêt)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="calls"
    )
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    title = models.CharField(_("titre"), max_length=300)
    summary = models.CharField(_("résumé"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    how_to_apply = models.TextField(_("comment candidater"), blank=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("thèmes"), blank=True, related_name="calls"
    )
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    results_at = models.DateField(_("annonce des résultats"), null=True, blank=True)
    budget = MoneyField(_("budget"))
    state = models.CharField(
        _("état"), max_length=20, choices=CallState.choices, default=CallState.DRAFT
    )
    # Calls run before Laureat (or elsewhere) keep their published figures here.
    recorded_applications = models.PositiveIntegerField(
        _("nombre de candidatures (historique)"), null=True, blank=True
    )
    recorded_laureates = models.PositiveIntegerField(
        _("nombre de lauréats (historique)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="programmes_call_closes_after_opens"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="programmes_call_budget_gte_0"),
            models.CheckConstraint(
                condition=Q(state__in=CallState.values), name="programmes_call_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def phase(self, now: datetime | None = None) -> CallPhase:
        now = now or timezone.now()
        if self.state == CallState.DRAFT:
            return CallPhase.DRAFT
        if self.state == CallState.ARCHIVED:
            return CallPhase.ARCHIVED
        if self.state == CallState.RESULTS_PUBLISHED:
            return CallPhase.RESULTS
        if now < self.opens_at:
            return CallPhase.UPCOMING
        if now < self.closes_at:
            return CallPhase.OPEN
        return CallPhase.CLOSED

    def is_open(self, now: datetime | None = None) -> bool:
        return self.phase(now) == CallPhase.OPEN

    @property
    def is_historical(self) -> bool:
        return self.recorded_applications is not None or self.recorded_laureates is not None


class Envelope(TimeStampedModel):
    """What one co-funder puts into one call, and the expense categories it funds."""

    call = models.ForeignKey(
        Call, verbose_name=_("appel"), on_delete=models.CASCADE, related_name="envelopes"
    )
    funder = models.ForeignKey(
        Funder, verbose_name=_("cofinanceur"), on_delete=models.PROTECT, related_name="envelopes"
    )
    amount = MoneyField(_("montant"))

    class Meta:
        verbose_name = _("enveloppe")
        verbose_name_plural = _("enveloppes")
        ordering = ["call", "funder__name"]
        constraints = [
            models.UniqueConstraint(fields=["call", "funder"], name="programmes_envelope_unique"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="programmes_envelope_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder} — {self.call}"

    @property
    def category_values(self) -> list[str]:
        """The categories funded, from prefetched ``categories`` when available."""
        return sorted(c.category for c in self.categories.all())


class EnvelopeCategory(models.Model):
    envelope = models.ForeignKey(
        Envelope, verbose_name=_("enveloppe"), on_delete=models.CASCADE, related_name="categories"
    )
    category = models.CharField(
        _("catégorie de dépense"), max_length=20, choices=ExpenseCategory.choices
    )

    class Meta:
        verbose_name = _("catégorie financée")
        verbose_name_plural = _("catégories financées")
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(
                fields=["envelope", "category"], name="programmes_envelope_category_unique"
            ),
            models.CheckConstraint(
                condition=Q(category__in=ExpenseCategory.values),
                name="programmes_envelope_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_category_display()


class Criterion(models.Model):
    """An evaluation criterion: a weight and a scale from 0 to ``scale_max``."""

    call = models.ForeignKey(
        Call, verbose_name=_("appel"), on_delete=models.CASCADE, related_name="criteria"
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("pondération"), max_digits=6, decimal_places=2)
    scale_max = models.PositiveSmallIntegerField(_("note maximale"), default=5)

    class Meta:
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="programmes_criterion_unique"),
            models.CheckConstraint(
                condition=Q(weight__gt=Decimal("0")), name="programmes_criterion_weight_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(scale_max__gte=1), name="programmes_criterion_scale_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Texte court")
    LONG_TEXT = "long_text", _("Texte long")
    NUMBER = "number", _("Nombre")
    YES_NO = "yes_no", _("Oui / non")
    SINGLE_CHOICE = "single_choice", _("Choix unique")
    MULTIPLE_CHOICE = "multiple_choice", _("Choix multiple")
    DATE = "date", _("Date")
    FILE = "file", _("Fichier")


CHOICE_KINDS: frozenset[str] = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})


class CallQuestion(models.Model):
    """A question of the call's own, asked beyond the common application form."""

    call = models.ForeignKey(
        Call, verbose_name=_("appel"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.TextField(_("aide"), blank=True)
    kind = models.CharField(_("type de réponse"), max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField(_("réponse obligatoire"), default=False)
    choices = models.JSONField(
        _("choix proposés"),
        default=list,
        blank=True,
        help_text=_("Pour les questions à choix : la liste des réponses possibles."),
    )

    class Meta:
        verbose_name = _("question de l'appel")
        verbose_name_plural = _("questions de l'appel")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "label"], name="programmes_question_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="programmes_question_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(label=""), name="programmes_question_label_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def has_choices(self) -> bool:
        return self.kind in CHOICE_KINDS
