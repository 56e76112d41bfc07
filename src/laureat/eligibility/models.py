"""Eligibility rules of a call, and the report computed on each submitted application."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laureat.core.models import TimeStampedModel
from laureat.eligibility.enums import RuleKind


class EligibilityRule(TimeStampedModel):
    """One rule of a call's eligibility check; ``parameters`` are validated per ``kind``
    (``rules_engine.parse_parameters``) by the domain functions that write them."""

    call = models.ForeignKey(
        "programmes.Call",
        verbose_name=_("appel"),
        on_delete=models.CASCADE,
        related_name="eligibility_rules",
    )
    kind = models.CharField(_("type de règle"), max_length=30, choices=RuleKind.choices)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("règle de recevabilité")
        verbose_name_plural = _("règles de recevabilité")
        ordering = ["call", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RuleKind.values), name="eligibility_rule_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.call}"


class EligibilityReport(models.Model):
    """The verdict of the call's rules on one application, as last computed.

    ``results`` is a JSON list of ``{"rule", "kind", "label", "passed", "reason"}``;
    ``submission_sequence`` the submission (snapshot) it was computed on. The
    manager's decision is not stored here: it is the application's transition,
    with its reason, in the audit log.
    """

    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="eligibility_report",
    )
    results = models.JSONField(_("résultats"), default=list, blank=True)
    passed = models.BooleanField(_("recevable selon les règles"))
    failed_count = models.PositiveSmallIntegerField(_("règles non respectées"), default=0)
    evaluated_at = models.DateTimeField(_("évaluée le"))
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("évaluée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submission_sequence = models.PositiveIntegerField(_("numéro de dépôt"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapport de recevabilité")
        verbose_name_plural = _("rapports de recevabilité")
        ordering = ["application"]
        constraints = [
            # A report passes exactly when no rule failed.
            models.CheckConstraint(
                condition=(Q(passed=True) & Q(failed_count=0))
                | (Q(passed=False) & Q(failed_count__gt=0)),
                name="eligibility_report_passed_iff_no_failure",
            ),
            models.CheckConstraint(
                condition=Q(submission_sequence__isnull=True) | Q(submission_sequence__gte=1),
                name="eligibility_report_sequence_gte_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} — {'✓' if self.passed else '✗'}"

    @property
    def failures(self) -> list[dict[str, object]]:
        return [r for r in self.results if not r.get("passed")]
