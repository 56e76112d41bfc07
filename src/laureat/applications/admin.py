"""Admin for applications and their budget.

The state is read-only here: every change of state goes through
``applications.domain.application_transition`` (transition table, audit log).
Applications are created by applicants (``application_create_draft``), not here.
"""

from typing import Any

from django.contrib import admin
from django.db.models import F, Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from laureat.applications.models import Answer, Application, BudgetLine, ResourceLine, Submission
from laureat.core.audit import log_action
from laureat.core.money import format_eur


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    fields = ["category", "label", "amount"]


class ResourceLineInline(admin.TabularInline):
    model = ResourceLine
    extra = 0
    fields = ["kind", "funder", "label", "amount"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "organisation", "call", "state", "submitted_at"]
    list_filter = ["call", "state", "is_fictional", "commune__department__region"]
    list_select_related = ["organisation", "call"]
    search_fields = ["=reference", "title", "acronym", "organisation__name", "^organisation__siret"]
    date_hierarchy = "submitted_at"
    # ~35,000 communes: searched (territories admin), never listed in a <select>.
    autocomplete_fields = ["organisation", "commune", "call"]
    filter_horizontal = ["themes", "technologies"]
    readonly_fields = ["reference", "state", "version", "submitted_at", "created_at", "updated_at"]
    inlines = [BudgetLineInline, ResourceLineInline]
    fieldsets = (
        (None, {"fields": ["reference", "call", "organisation", "state", "submitted_at"]}),
        (_("Projet"), {"fields": ["title", "acronym", "summary", "description"]}),
        (
            _("Territoire et publics"),
            {"fields": ["commune", "learners_targeted", "start_date", "themes", "technologies"]},
        ),
        (None, {"fields": ["is_fictional", "version", "created_at", "updated_at"]}),
    )
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # The call and the organisation are fixed once the application exists.
        return [*self.readonly_fields, "call", "organisation"] if obj else self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: Application, form: ModelForm, change: bool
    ) -> None:
        """Bump ``version``, so that an applicant saving a draft meanwhile gets a conflict."""
        obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        """Save the budget lines, then write one audit entry naming what changed."""
        super().save_related(request, form, formsets, change)
        changed = sorted(form.changed_data) + [fs.prefix for fs in formsets if fs.has_changed()]
        log_action(
            actor=request.user,
            action="application.admin_change",
            obj=form.instance,
            data={"changed": changed, "version": form.instance.version},
        )


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    list_display = ["application", "category", "label", "amount_eur"]
    list_filter = ["category", "application__call"]
    list_select_related = ["application"]
    search_fields = ["=application__reference", "label", "application__title"]
    autocomplete_fields = ["application"]

    @admin.display(description=_("montant"), ordering="amount")
    def amount_eur(self, obj: BudgetLine) -> str:
        return format_eur(obj.amount)


@admin.register(ResourceLine)
class ResourceLineAdmin(admin.ModelAdmin):
    list_display = ["application", "kind", "funder", "label", "amount_eur"]
    list_filter = ["kind", "funder", "application__call"]
    list_select_related = ["application", "funder"]
    search_fields = ["=application__reference", "label", "application__title"]
    autocomplete_fields = ["application"]

    @admin.display(description=_("montant"), ordering="amount")
    def amount_eur(self, obj: ResourceLine) -> str:
        return format_eur(obj.amount)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    """Answers are written by applicants through the wizard; read-only here."""

    list_display = ["application", "question", "value"]
    list_select_related = ["application", "question"]
    search_fields = ["=application__reference", "question__label"]
    readonly_fields = ["application", "question", "value", "file"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """The frozen snapshot and receipt of each submission: read-only."""

    list_display = ["receipt_number", "application", "submitted_at", "by"]
    list_select_related = ["application", "by"]
    search_fields = ["=receipt_number", "=application__reference"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "application",
        "sequence",
        "receipt_number",
        "submitted_at",
        "by",
        "snapshot_sha256",
        "snapshot",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
