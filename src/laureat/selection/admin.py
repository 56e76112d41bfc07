from django.contrib import admin

from laureat.selection.models import SelectionRun, SelectionSettings


@admin.register(SelectionSettings)
class SelectionSettingsAdmin(admin.ModelAdmin):
    list_display = ["call", "objective", "score_scale", "min_score", "region_floor"]
    list_select_related = ["call"]
    search_fields = ["call__title"]


@admin.register(SelectionRun)
class SelectionRunAdmin(admin.ModelAdmin):
    list_display = ["call", "created_at", "by"]
    list_filter = ["call"]
    list_select_related = ["call", "by"]
    readonly_fields = ["call", "by", "result", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
