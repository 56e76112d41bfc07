from django.contrib import admin
from django.http import HttpRequest

from laureat.selection.models import (
    CommitteeMeeting,
    Decision,
    DecisionAward,
    MeetingAttachment,
    SelectionRun,
    SelectionSettings,
)


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


class MeetingAttachmentInline(admin.TabularInline):
    model = MeetingAttachment
    extra = 0
    fields = ["label", "original_name", "content_type", "size", "sha256", "uploaded_by"]
    readonly_fields = ["label", "original_name", "content_type", "size", "sha256", "uploaded_by"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # files go through meeting_attachment_add (content checks)


@admin.register(CommitteeMeeting)
class CommitteeMeetingAdmin(admin.ModelAdmin):
    """Read-mostly: meetings are recorded through the selection pages (audit-logged)."""

    list_display = ["call", "held_on", "place", "quorum", "closed_at"]
    list_filter = ["call"]
    list_select_related = ["call"]
    search_fields = ["call__title", "place"]
    readonly_fields = ["call", "run", "created_by", "closed_at", "created_at"]
    filter_horizontal = ["members"]
    inlines = [MeetingAttachmentInline]


class DecisionAwardInline(admin.TabularInline):
    model = DecisionAward
    extra = 0
    readonly_fields = ["funder", "amount"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    """Read-only: decisions change through decision_record and decisions_publish only."""

    list_display = ["application", "outcome", "waiting_rank", "proposed_outcome", "published_at"]
    list_filter = ["outcome", "application__call"]
    list_select_related = ["application"]
    search_fields = ["application__reference", "application__title"]
    inlines = [DecisionAwardInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
