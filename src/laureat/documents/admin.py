"""Admin: attachments and requests are read here, written through the domain functions.

Files are never served from the admin by URL: the link goes through
``documents:download`` and its permission check.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from laureat.documents.models import Attachment, InformationReply, InformationRequest


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(_ReadOnlyAdmin):
    list_display = [
        "original_name",
        "application",
        "content_type",
        "size",
        "created_at",
        "deleted_at",
    ]
    list_filter = ["content_type"]
    list_select_related = ["application"]
    search_fields = ["original_name", "label", "=sha256", "=application__reference"]
    raw_id_fields = ["application", "reply", "uploaded_by"]
    exclude = ["file"]
    readonly_fields = ["download_link"]

    @admin.display(description=_("fichier"))
    def download_link(self, obj: Attachment) -> SafeString:
        return format_html(
            '<a href="{}">{}</a>', reverse("documents:download", args=[obj.pk]), obj.download_name
        )


class InformationReplyInline(admin.StackedInline):
    model = InformationReply
    extra = 0
    can_delete = False
    readonly_fields = ["author", "message", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(InformationRequest)
class InformationRequestAdmin(_ReadOnlyAdmin):
    list_display = ["application", "sent_by", "created_at", "reopened", "closed_at"]
    list_filter = ["reopened"]
    list_select_related = ["application", "sent_by"]
    search_fields = ["=application__reference", "message"]
    raw_id_fields = ["application", "sent_by"]
    inlines = [InformationReplyInline]
