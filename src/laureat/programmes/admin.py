"""Admin for programmes, calls, co-funders, envelopes, criteria, themes, technologies."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.forms import Textarea
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from laureat.core.errors import DomainError
from laureat.core.money import format_eur
from laureat.programmes.domain import call_publish
from laureat.programmes.models import (
    Call,
    CallQuestion,
    Criterion,
    Envelope,
    EnvelopeCategory,
    Funder,
    Programme,
    ProgrammeRole,
    Technology,
    Theme,
)


class ProgrammeRoleInline(admin.TabularInline):
    model = ProgrammeRole
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    # Django 6 assumes https for scheme-less URLs; say so now (and avoid its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "slug", "calls_count", "updated_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProgrammeRoleInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Programme]:
        return super().get_queryset(request).annotate(calls_count=Count("calls"))

    @admin.display(description=_("appels"), ordering="calls_count")
    def calls_count(self, obj: Programme) -> int:
        return obj.calls_count  # type: ignore[attr-defined]


@admin.register(ProgrammeRole)
class ProgrammeRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "programme", "role", "created_at"]
    list_filter = ["role", "programme"]
    list_select_related = ["user", "programme"]
    search_fields = ["user__email", "user__last_name", "programme__name"]
    autocomplete_fields = ["user", "programme"]


class EnvelopeInline(admin.TabularInline):
    model = Envelope
    extra = 0
    fields = ["funder", "amount", "categories_list"]
    readonly_fields = ["categories_list"]
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Envelope]:
        return super().get_queryset(request).select_related("funder").prefetch_related("categories")

    @admin.display(description=_("catégories financées"))
    def categories_list(self, obj: Envelope) -> str:
        if obj.pk is None:
            return _("à choisir sur la fiche de l'enveloppe, après enregistrement")
        return ", ".join(str(c) for c in obj.categories.all()) or "—"


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "name", "weight", "scale_max", "description"]
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 60})}}


class CallQuestionInline(admin.StackedInline):
    model = CallQuestion
    extra = 0
    fields = [("position", "kind", "required"), "label", "help_text", "choices"]
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 60})}}


@admin.register(CallQuestion)
class CallQuestionAdmin(admin.ModelAdmin):
    list_display = ["label", "call", "position", "kind", "required"]
    list_filter = ["kind", "required", "call__programme"]
    list_select_related = ["call"]
    search_fields = ["label", "call__title"]
    autocomplete_fields = ["call"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "programme",
        "state",
        "phase_label",
        "opens_at",
        "closes_at",
        "results_at",
        "budget_eur",
    ]
    list_filter = ["state", "programme", "opens_at"]
    list_select_related = ["programme"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
    filter_horizontal = ["themes"]
    inlines = [EnvelopeInline, CriterionInline, CallQuestionInline]
    # The state changes only through the domain (call_publish and its checks).
    readonly_fields = ["state"]
    actions = ["publish"]
    fieldsets = (
        (None, {"fields": ["programme", "title", "slug", "state"]}),
        (_("Présentation"), {"fields": ["summary", "description", "how_to_apply", "themes"]}),
        (_("Calendrier et budget"), {"fields": ["opens_at", "closes_at", "results_at", "budget"]}),
        (
            _("Appel antérieur à Laureat"),
            {"fields": ["recorded_applications", "recorded_laureates"], "classes": ["collapse"]},
        ),
    )

    @admin.action(description=_("Publier les appels sélectionnés"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
        for call in queryset:
            try:
                call_publish(call=call, by=request.user)  # type: ignore[arg-type]
            except DomainError as error:
                self.message_user(request, f"{call} : {error}", level=messages.ERROR)
            else:
                self.message_user(request, _("« %s » est publié.") % call, level=messages.SUCCESS)

    @admin.display(description=_("phase"))
    def phase_label(self, obj: Call) -> str:
        return str(obj.phase().label)

    @admin.display(description=_("budget"), ordering="budget")
    def budget_eur(self, obj: Call) -> str:
        return format_eur(obj.budget)


class EnvelopeCategoryInline(admin.TabularInline):
    model = EnvelopeCategory
    extra = 0
    min_num = 1


@admin.register(Envelope)
class EnvelopeAdmin(admin.ModelAdmin):
    list_display = ["call", "funder", "amount_eur", "categories_list"]
    list_filter = ["funder", "call__programme"]
    list_select_related = ["call", "funder"]
    search_fields = ["call__title", "funder__name", "funder__short_name"]
    autocomplete_fields = ["call", "funder"]
    inlines = [EnvelopeCategoryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Envelope]:
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description=_("montant"), ordering="amount")
    def amount_eur(self, obj: Envelope) -> str:
        return format_eur(obj.amount)

    @admin.display(description=_("catégories financées"))
    def categories_list(self, obj: Envelope) -> str:
        return ", ".join(str(c) for c in obj.categories.all()) or "—"


@admin.register(EnvelopeCategory)
class EnvelopeCategoryAdmin(admin.ModelAdmin):
    list_display = ["envelope", "category"]
    list_filter = ["category", "envelope__funder"]
    list_select_related = ["envelope__call", "envelope__funder"]
    search_fields = ["envelope__call__title", "envelope__funder__name"]
    autocomplete_fields = ["envelope"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "call", "position", "weight", "scale_max"]
    list_filter = ["call__programme"]
    list_select_related = ["call"]
    search_fields = ["name", "call__title"]
    autocomplete_fields = ["call"]


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug"]
    search_fields = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}
    autocomplete_fields = ["agents"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Technology)
class TechnologyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
