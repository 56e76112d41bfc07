"""Admin for the reference geography: read-only, it comes from the COG files."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from laureat.territories.models import Commune, Department, Region
from laureat.territories.normalise import normalise_name


class ReferenceDataAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; changed only by data migrations."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "overseas"]
    list_filter = ["overseas"]
    search_fields = ["=code", "name"]


@admin.register(Department)
class DepartmentAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "region", "overseas"]
    list_filter = ["region", "overseas"]
    list_select_related = ["region"]
    search_fields = ["=code", "name"]


@admin.register(Commune)
class CommuneAdmin(ReferenceDataAdmin):
    list_display = ["code", "name", "department", "postal_codes", "population"]
    list_filter = ["department__region", "department__overseas"]
    list_select_related = ["department"]
    search_fields = ["=code", "name", "postal_codes"]
    # ~35,000 rows: skip the second COUNT(*) of the unfiltered table.
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Commune], search_term: str
    ) -> tuple[QuerySet[Commune], bool]:
        """Also match the normalised name, so "saint etienne" finds "Saint-Étienne"."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        normalised = normalise_name(search_term)
        if normalised:
            results |= queryset.filter(search_name__contains=normalised)
        return results, may_have_duplicates
