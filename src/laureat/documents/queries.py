"""Reads for attachments and requests for information."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from laureat.applications.models import Application
from laureat.documents.models import Attachment, InformationReply, InformationRequest


def current_attachments(application: Application) -> QuerySet[Attachment]:
    """The application's own attachments (not those of replies), not deleted, oldest first."""
    return (
        Attachment.objects.filter(
            application=application, reply__isnull=True, deleted_at__isnull=True
        )
        .select_related("uploaded_by")
        .order_by("created_at", "id")
    )


def attachment_digests(application: Application) -> list[dict[str, Any]]:
    """What the submission snapshot records of each current attachment, in a stable order.

    ``{"name", "sha256", "size", "content_type", "label"}``, sorted by name, then
    hash, then label, so that the same files give the same list.
    """
    rows = Attachment.objects.filter(
        application=application, reply__isnull=True, deleted_at__isnull=True
    ).values_list("original_name", "sha256", "size", "content_type", "label")
    digests = [
        {"name": name, "sha256": sha256, "size": size, "content_type": content_type, "label": label}
        for name, sha256, size, content_type, label in rows
    ]
    return sorted(digests, key=lambda d: (d["name"], d["sha256"], d["label"], d["size"]))


def attachment_for_download(pk: int) -> Attachment | None:
    return (
        Attachment.objects.filter(pk=pk, deleted_at__isnull=True)
        .select_related("application__organisation", "application__call__programme")
        .first()
    )


def application_thread(application: Application) -> QuerySet[InformationRequest]:
    """The requests for information of an application with their replies and files."""
    return (
        InformationRequest.objects.filter(application=application)
        .select_related("sent_by")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=InformationReply.objects.select_related("author").prefetch_related(
                    Prefetch(
                        "attachments",
                        queryset=Attachment.objects.filter(deleted_at__isnull=True).order_by(
                            "created_at", "id"
                        ),
                    )
                ),
            )
        )
        .order_by("created_at", "id")
    )
