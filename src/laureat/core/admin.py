"""Admin for the audit log: readable by staff, never written through the admin."""

import json

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from laureat.core.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "content_type", "object_repr", "actor"]
    list_filter = ["action", "content_type"]
    list_select_related = ["actor", "content_type"]
    search_fields = ["action", "object_repr", "=object_id", "actor__email"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "created_at",
        "actor",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "data_pretty",
    )
    # The log only grows: skip the second COUNT(*) of the whole table on each page.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=_("données"))
    def data_pretty(self, obj: AuditLog) -> SafeString:
        text = json.dumps(obj.data, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html("<pre>{}</pre>", text)
