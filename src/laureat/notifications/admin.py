from django.contrib import admin
from django.http import HttpRequest

from laureat.notifications.models import NotificationSettings, OutboxMessage


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["call", "share_score_summary_with_rejected", "signatory_name"]
    list_select_related = ["call"]
    search_fields = ["call__title"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are prepared and sent through the outbox pages (domain functions)."""

    list_display = ["subject", "call", "kind", "state", "sent_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["call"]
    search_fields = ["subject", "application__reference"]
    exclude = ["attachment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
