"""Organisations that apply (identified by SIRET) and the people who act for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laureat.applicants.enums import MembershipRole, OrganisationKind
from laureat.core.models import TimeStampedModel


class LegalCategory(models.Model):
    """INSEE legal category, level III (loaded by a data migration)."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    label = models.CharField(_("libellé"), max_length=200)

    class Meta:
        verbose_name = _("catégorie juridique")
        verbose_name_plural = _("catégories juridiques")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class Organisation(TimeStampedModel):
    name = models.CharField(_("raison sociale"), max_length=250)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True)
    siren = models.CharField(_("SIREN"), max_length=9, db_index=True, editable=False)
    kind = models.CharField(_("type de structure"), max_length=30, choices=OrganisationKind.choices)
    legal_category = models.ForeignKey(
        LegalCategory,
        verbose_name=_("catégorie juridique"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    website = models.URLField(_("site web"), blank=True)
    # Demo data that does not describe a real organisation is marked as such.
    is_fictional = models.BooleanField(_("fictive (démonstration)"), default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        verbose_name=_("membres"),
        related_name="organisations",
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(siret__regex=r"^[0-9]{14}$"), name="applicants_org_siret_14_digits"
            ),
            models.CheckConstraint(
                condition=Q(siren__regex=r"^[0-9]{9}$"), name="applicants_org_siren_9_digits"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="applicants_org_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("rôle"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )

    class Meta:
        verbose_name = _("membre d'une organisation")
        verbose_name_plural = _("membres des organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="applicants_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="applicants_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"
