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


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        """Neither accepted, declined nor revoked (possibly expired: see ``is_expired``)."""
        return self.filter(
            accepted_at__isnull=True, declined_at__isnull=True, revoked_at__isnull=True
        )


class Invitation(TimeStampedModel):
    """An email address invited to join an organisation, or to co-edit one of its applications.

    With ``application`` empty, accepting makes the person a member of
    ``organisation`` with ``role``; with ``application`` set (``organisation`` is
    then the application's), accepting makes them a collaborator of that
    application only. The link carries ``token``; it works until ``expires_at``.
    """

    email = models.EmailField(_("adresse électronique invitée"))
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    role = models.CharField(
        _("rôle"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    token = models.CharField(_("jeton"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invité·e par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    declined_at = models.DateTimeField(_("déclinée le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="applicants_invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(email__contains="@"), name="applicants_invitation_email_has_at"
            ),
            # At most one outcome: accepted, declined or revoked.
            models.CheckConstraint(
                condition=~Q(accepted_at__isnull=False, declined_at__isnull=False)
                & ~Q(accepted_at__isnull=False, revoked_at__isnull=False)
                & ~Q(declined_at__isnull=False, revoked_at__isnull=False),
                name="applicants_invitation_one_outcome",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_by__isnull=False),
                name="applicants_invitation_accepted_has_person",
            ),
            # Re-inviting refreshes the pending invitation rather than adding another.
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(
                    application__isnull=True,
                    accepted_at__isnull=True,
                    declined_at__isnull=True,
                    revoked_at__isnull=True,
                ),
                name="applicants_invitation_one_pending_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["application", "email"],
                condition=Q(
                    application__isnull=False,
                    accepted_at__isnull=True,
                    declined_at__isnull=True,
                    revoked_at__isnull=True,
                ),
                name="applicants_invitation_one_pending_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.application or self.organisation}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.declined_at is None and self.revoked_at is None


class ApplicationCollaborator(models.Model):
    """A person who co-edits one application without being a member of its organisation."""

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature"),
        on_delete=models.CASCADE,
        related_name="collaborators",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="application_collaborations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invité·e par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("ajouté·e le"), auto_now_add=True)

    class Meta:
        verbose_name = _("co-rédacteur d'une candidature")
        verbose_name_plural = _("co-rédacteurs des candidatures")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "user"], name="applicants_collaborator_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.application}"
