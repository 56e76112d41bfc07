"""Writes for attachments and requests for information.

Every file goes through one pipeline (``_prepare``): size limit, type detected
from the content, SHA-256, virus scan; only then is it stored under a random
name. Requests for information may reopen a submitted application through
``application_transition`` (the only writer of its state).
"""

import hashlib
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.applications.domain import application_transition
from laureat.applications.enums import (
    EDITABLE_STATES,
    Actor,
    ApplicationState,
)
from laureat.applications.models import Application
from laureat.applications.rules import actor_roles
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.links import absolute_url
from laureat.documents.detect import ACCEPTED_LABELS, FileType, detect_file_type
from laureat.documents.enums import Section
from laureat.documents.models import Attachment, InformationReply, InformationRequest
from laureat.documents.scan import scan_file

_CHUNK = 64 * 1024
_MAX_NAME = 200


def max_upload_bytes() -> int:
    return int(getattr(settings, "LAUREAT_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def format_megabytes(size: int) -> str:
    """20971520 -> "20 Mo"; 1572864 -> "1,5 Mo"."""
    megabytes = size / (1024 * 1024)
    text = f"{megabytes:.1f}".rstrip("0").rstrip(".")
    return _("%s Mo") % text.replace(".", ",")


def sanitise_filename(name: str) -> str:
    """A file name fit to show and to offer for download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".").strip()
    if not name:
        return _("document")
    if len(name) > _MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: _MAX_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:_MAX_NAME]
    return name


@dataclass
class _Prepared:
    name: str
    file_type: FileType
    size: int
    sha256: str
    temporary: IO[bytes]


def _prepare(upload: Any, name: str | None = None) -> _Prepared:
    """Check one uploaded file and copy it to a temporary file. Raises ``DomainError``."""
    shown = sanitise_filename(name or getattr(upload, "name", "") or "")
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise DomainError(
            _("Le fichier « %(name)s » dépasse la taille maximale autorisée (%(limit)s).")
            % {"name": shown, "limit": format_megabytes(limit)},
            code="too_large",
        )
    file_type = detect_file_type(upload)
    if file_type is None:
        raise DomainError(
            _(
                "Le fichier « %(name)s » n'est pas d'un type accepté (formats acceptés : "
                "%(types)s). Son contenu compte, pas son extension."
            )
            % {"name": shown, "types": ACCEPTED_LABELS},
            code="type",
        )
    digest = hashlib.sha256()
    total = 0
    temporary = tempfile.NamedTemporaryFile(prefix="laureat-upload-")  # noqa: SIM115 closed by the caller
    try:
        upload.seek(0)
        while chunk := upload.read(_CHUNK):
            total += len(chunk)
            if total > limit:
                raise DomainError(
                    _("Le fichier « %(name)s » dépasse la taille maximale autorisée (%(limit)s).")
                    % {"name": shown, "limit": format_megabytes(limit)},
                    code="too_large",
                )
            digest.update(chunk)
            temporary.write(chunk)
        temporary.flush()
        if total == 0:
            raise DomainError(_("Le fichier « %s » est vide.") % shown, code="empty")
        scan_file(Path(temporary.name), name=shown)
    except BaseException:
        temporary.close()
        raise
    temporary.seek(0)
    return _Prepared(shown, file_type, total, digest.hexdigest(), temporary)


def _store(
    prepared: _Prepared,
    *,
    application: Application,
    by: User,
    label: str,
    reply: InformationReply | None,
) -> Attachment:
    attachment = Attachment(
        application=application,
        reply=reply,
        label=label.strip()[:200],
        original_name=prepared.name,
        content_type=prepared.file_type.content_type,
        size=prepared.size,
        sha256=prepared.sha256,
        uploaded_by=by,
    )
    with prepared.temporary:
        attachment.file.save(prepared.name, File(prepared.temporary), save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    # Should the surrounding transaction roll back later, the file stays on disk
    # unreferenced (random name, never served): harmless, and cleaned by no one.
    log_action(
        actor=by,
        action="attachment.add",
        obj=application,
        data={
            "attachment": attachment.pk,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "reply": reply.pk if reply else None,
        },
    )
    return attachment


@transaction.atomic
def attachment_add(
    *,
    application: Application,
    by: User,
    upload: Any,
    label: str = "",
    name: str | None = None,
) -> Attachment:
    """Attach a file to a draft that ``by`` may edit.

    ``upload`` is a Django ``UploadedFile`` or any seekable binary file object with
    a ``name``. Refused (``DomainError``) when the draft is not editable, when the
    file is too large, empty, of a type not accepted by content, or flagged by the
    virus scanner. Side effects: a file in MEDIA_ROOT/attachments/; audit entry
    ``attachment.add`` on the application.
    """
    if Actor.APPLICANT not in actor_roles(by, application):
        raise DomainError(_("Seuls les membres de l'organisation peuvent joindre des fichiers."))
    if application.state not in EDITABLE_STATES:
        raise DomainError(
            _("La candidature est « %s » : ses pièces jointes ne peuvent plus être modifiées.")
            % application.get_state_display()
        )
    prepared = _prepare(upload, name)
    return _store(prepared, application=application, by=by, label=label, reply=None)


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: User, now: datetime | None = None) -> None:
    """Remove an attachment from a draft (soft delete: the row and the file stay, hidden).

    Side effects: ``deleted_at``; audit entry ``attachment.delete`` on the application.
    """
    application = attachment.application
    if Actor.APPLICANT not in actor_roles(by, application):
        raise DomainError(_("Seuls les membres de l'organisation peuvent retirer des fichiers."))
    if application.state not in EDITABLE_STATES or attachment.reply_id is not None:
        raise DomainError(_("Cette pièce jointe ne peut plus être retirée."))
    if attachment.deleted_at is not None:
        return
    attachment.deleted_at = now or timezone.now()
    attachment.save(update_fields=["deleted_at"])
    log_action(
        actor=by,
        action="attachment.delete",
        obj=application,
        data={"attachment": attachment.pk, "name": attachment.original_name},
    )


# --- requests for information -----------------------------------------------


def _check_sections(sections: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(sections))
    unknown = [s for s in chosen if s not in Section.values]
    if unknown:
        raise DomainError(_("Sections inconnues : %s.") % ", ".join(unknown))
    # In the order of the form, whatever the order given.
    return [s for s in Section.values if s in chosen]


def _thread_path(application: Application, base_url: str = "") -> str:
    """The thread's address; absolute when ``base_url`` (scheme and host) is given."""
    return absolute_url(base_url, reverse("documents:thread", kwargs={"pk": application.pk}))


def _member_emails(application: Application) -> list[str]:
    return sorted(
        application.organisation.memberships.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


@transaction.atomic
def information_request_send(
    *,
    application: Application,
    by: User,
    message: str,
    sections: Sequence[str] = (),
    reopen: bool = False,
    now: datetime | None = None,
    base_url: str = "",
) -> InformationRequest:
    """A manager asks the applicant for more information, and may reopen sections.

    ``reopen`` moves a submitted application back to draft through
    ``application_transition`` (reason: the sections named and the message), so
    the applicant can correct and submit again. Side effects: an
    ``InformationRequest``; the transition (its own audit entry) when
    ``reopen``; audit entry ``information_request.send``; after commit, an
    email to the organisation's members.
    """
    if Actor.MANAGER not in actor_roles(by, application):
        raise DomainError(
            _("Seuls les gestionnaires du programme peuvent demander des compléments.")
        )
    message = message.strip()
    if not message:
        raise DomainError(_("Rédigez le message de la demande."))
    if application.state == ApplicationState.WITHDRAWN or application.submitted_at is None:
        raise DomainError(
            _("On ne demande des compléments que sur une candidature déposée et non retirée.")
        )
    chosen = _check_sections(sections)
    if reopen:
        if not chosen:
            raise DomainError(_("Choisissez les sections à rouvrir pour correction."))
        labels = ", ".join(str(Section(s).label) for s in chosen)
        application_transition(
            application=application,
            target=ApplicationState.DRAFT,
            by=by,
            reason=_("Demande de compléments ; sections à corriger : %(sections)s. %(message)s")
            % {"sections": labels, "message": message},
            now=now,
        )
    request = InformationRequest.objects.create(
        application=application,
        sent_by=by,
        message=message,
        sections=chosen,
        reopened=reopen,
    )
    log_action(
        actor=by,
        action="information_request.send",
        obj=application,
        data={"request": request.pk, "sections": chosen, "reopened": reopen},
    )
    recipients = _member_emails(application)
    subject = _("[Laureat] Demande de compléments sur la candidature %s") % application.reference
    body = _(
        "Bonjour,\n\nLe gestionnaire du programme demande des compléments sur la "
        "candidature « %(title)s » (%(reference)s) :\n\n%(message)s\n\n%(reopened)s"
        "Répondez depuis Laureat : %(path)s\n"
    ) % {
        "title": application.title,
        "reference": application.reference,
        "message": message,
        "reopened": (
            _("Sections rouvertes pour correction : %s.\n\n")
            % ", ".join(str(Section(s).label) for s in chosen)
            if reopen
            else ""
        ),
        "path": _thread_path(application, base_url),
    }
    if recipients:
        transaction.on_commit(
            lambda: send_mail(subject, body, None, recipients, fail_silently=False)
        )
    return request


@transaction.atomic
def information_reply(
    *,
    request: InformationRequest,
    by: User,
    message: str,
    files: Sequence[Any] = (),
    base_url: str = "",
) -> InformationReply:
    """A member of the applicant organisation answers a request, with text and files.

    Every file is checked (size, type by content, virus scan) before anything is
    stored: one refused file refuses the reply, and nothing is half-saved. The
    files are the reply's, whatever the application's state. Side effects: an
    ``InformationReply`` and its ``Attachment`` rows; audit entry
    ``information_request.reply``; after commit, an email to the manager who asked.
    """
    application = request.application
    if Actor.APPLICANT not in actor_roles(by, application):
        raise DomainError(_("Seuls les membres de l'organisation peuvent répondre."))
    if not request.is_open:
        raise DomainError(_("Cette demande est close : elle n'attend plus de réponse."))
    message = message.strip()
    if not message:
        raise DomainError(_("Rédigez votre réponse."))
    prepared = []
    try:
        for upload in files:
            prepared.append(_prepare(upload))
    except BaseException:
        for item in prepared:
            item.temporary.close()
        raise
    reply = InformationReply.objects.create(request=request, author=by, message=message)
    for item in prepared:
        _store(item, application=application, by=by, label="", reply=reply)
    log_action(
        actor=by,
        action="information_request.reply",
        obj=application,
        data={"request": request.pk, "reply": reply.pk, "files": len(prepared)},
    )
    manager_email = request.sent_by.email
    if manager_email and request.sent_by.is_active:
        subject = _("[Laureat] Réponse à votre demande sur la candidature %s") % (
            application.reference
        )
        body = _(
            "Bonjour,\n\n%(author)s a répondu à votre demande de compléments sur la candidature "
            "« %(title)s » (%(reference)s) :\n\n%(message)s\n\n%(files)s"
            "Le fil de la demande : %(path)s\n"
        ) % {
            "author": by.get_full_name() or by.email,
            "title": application.title,
            "reference": application.reference,
            "message": message,
            "files": (_("%d fichier(s) joint(s).\n\n") % len(prepared)) if prepared else "",
            "path": _thread_path(application, base_url),
        }
        transaction.on_commit(
            lambda: send_mail(subject, body, None, [manager_email], fail_silently=False)
        )
    return reply


@transaction.atomic
def information_request_close(
    *, request: InformationRequest, by: User, now: datetime | None = None
) -> InformationRequest:
    """A manager closes a request: the thread stays, no more replies are expected.

    Side effects: ``closed_at``; audit entry ``information_request.close``.
    """
    application = request.application
    if Actor.MANAGER not in actor_roles(by, application):
        raise DomainError(_("Seuls les gestionnaires du programme peuvent clore une demande."))
    if request.closed_at is not None:
        return request
    request.closed_at = now or timezone.now()
    request.save(update_fields=["closed_at"])
    log_action(
        actor=by,
        action="information_request.close",
        obj=application,
        data={"request": request.pk},
    )
    return request
