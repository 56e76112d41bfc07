"""``{% attachments_panel application user as panel %}``: what the attachments include shows."""

from typing import Any

from django import template

from laureat.applications.models import Application
from laureat.documents.detect import ACCEPTED, ACCEPTED_LABELS
from laureat.documents.domain import format_megabytes, max_upload_bytes
from laureat.documents.forms import AttachmentForm
from laureat.documents.queries import current_attachments

register = template.Library()


@register.simple_tag
def attachments_panel(
    application: Application, user: Any, form: AttachmentForm | None = None
) -> dict[str, Any]:
    """The current attachments, whether ``user`` may change them, and the upload form."""
    return {
        "attachments": list(current_attachments(application)),
        "can_change": bool(user.has_perm("documents.change_attachments", application)),
        "form": form or AttachmentForm(),
        "max_size": format_megabytes(max_upload_bytes()),
        "accepted_labels": ACCEPTED_LABELS,
        "accept": ",".join(
            sorted({t.extension for t in ACCEPTED} | {t.content_type for t in ACCEPTED})
        ),
    }
