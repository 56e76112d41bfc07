"""Admin for organisations, their members and the INSEE legal categories."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from laureat.applicants.models import (
    ApplicationCollaborator,
    Invitation,
    LegalCategory,
    Membership,
    Organisation,
)
from laureat.applicants.siret import clean_siret, siren_of


@admin.register(LegalCategory)
class LegalCategoryAdmin(admin.ModelAdmin):
    """The INSEE nomenclature, loaded by a data migration: read-only here."""

    list_display = ["code", "label"]
    search_fields = ["=code", "label"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class OrganisationAdminForm(forms.ModelForm):
    """Checks the SIRET as ``organisation_register`` does, and derives the SIREN from it."""

    # Longer than 14 so that "130 025 265 00013" reaches ``clean_siret``, which compacts it.
    siret = forms.CharField(
        label=_("SIRET"), max_length=30, help_text=_("14 chiffres ; les espaces sont acceptés.")
    )

    class Meta:
        model = Organisation
        # The admin builds the form from the fieldsets; this base only adds the checks.
        fields = ["siret"]

    def clean_siret(self) -> str:
        try:
            return clean_siret(self.cleaned_data.get("siret", ""))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("siret"):
            self.instance.siren = siren_of(cleaned["siret"])
        return cleaned


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationAdminForm
    # Django 6 assumes https for scheme-less URLs; say so now (and avoid its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "siret", "kind", "legal_category", "commune", "is_fictional"]
    list_filter = [
        "kind",
        ("legal_category", admin.RelatedOnlyFieldListFilter),
        "is_fictional",
    ]
    list_select_related = ["legal_category", "commune"]
    search_fields = ["name", "^siret", "=siren"]
    # ~35,000 communes and ~250 legal categories: searched, never listed in a <select>.
    autocomplete_fields = ["commune", "legal_category"]
    readonly_fields = ["siren", "created_at", "updated_at"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ["name", "siret", "siren", "kind", "legal_category"]}),
        (None, {"fields": ["address", "commune", "website", "is_fictional"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        """A SIRET typed with spaces ("130 025 265 00013") still matches."""
        compact = search_term.replace(" ", "")
        if compact.isdigit():
            search_term = compact
        return super().get_search_results(request, queryset, search_term)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__last_name", "organisation__name", "^organisation__siret"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are created and answered through the site (domain functions): read-only here."""

    list_display = ["email", "organisation", "application", "role", "expires_at", "accepted_at"]
    list_filter = ["role"]
    list_select_related = ["organisation", "application"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = [
        "email",
        "organisation",
        "application",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "declined_at",
        "revoked_at",
    ]
    exclude = ["token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApplicationCollaborator)
class ApplicationCollaboratorAdmin(admin.ModelAdmin):
    list_display = ["user", "application", "invited_by", "created_at"]
    list_select_related = ["user", "application", "invited_by"]
    search_fields = ["user__email", "application__reference", "application__title"]
    autocomplete_fields = ["user", "application", "invited_by"]
    readonly_fields = ["created_at"]
