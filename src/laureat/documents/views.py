"""The documents pages: attachments of an application, downloads, requests for information.

Thin views: access check, form, domain call, response. Another applicant's file
or thread is a 404 (its existence is private); a person who may see the
application but not do the action gets a 403.
"""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from laureat.accounts.models import User
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.documents import domain
from laureat.documents.forms import AttachmentForm, InformationReplyForm, InformationRequestForm
from laureat.documents.models import Attachment, InformationRequest
from laureat.documents.queries import application_thread, attachment_for_download
from laureat.documents.rules import is_member
from laureat.documents.templatetags.documents import attachments_panel


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _application(request: HttpRequest, pk: int, perm: str) -> Application:
    """The application if ``request.user`` holds ``perm`` on it; a 404 otherwise."""
    application = get_object_or_404(
        Application.objects.select_related("organisation", "call__programme"), pk=pk
    )
    if not request.user.has_perm(perm, application):
        raise Http404(_("Aucune candidature accessible ne porte ce numéro."))
    return application


def _deny_or_hide(request: HttpRequest, application: Application) -> None:
    """403 for a person who may see the application, 404 for anyone else."""
    if request.user.has_perm("applications.view_application", application):
        raise PermissionDenied(_("Vous ne pouvez pas faire cette action sur cette candidature."))
    raise Http404(_("Aucune candidature accessible ne porte ce numéro."))


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- attachments -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def application_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, "documents.view_attachments")
    page_url = reverse("documents:application_attachments", kwargs={"pk": application.pk})
    form: AttachmentForm | None = None
    if request.method == "POST":
        if not request.user.has_perm("documents.change_attachments", application):
            _deny_or_hide(request, application)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                attachment = domain.attachment_add(
                    application=application,
                    by=_user(request),
                    upload=upload,
                    label=form.cleaned_data["label"],
                )
            except DomainError as error:
                form.add_error("file", str(error))
            else:
                messages.success(
                    request,
                    _("Le fichier « %s » a été ajouté aux pièces jointes.")
                    % attachment.original_name,
                )
                return redirect(_safe_next(request, page_url))
    context: dict[str, Any] = {
        "application": application,
        "panel": attachments_panel(application, request.user, form=form),
    }
    return render(request, "documents/application_attachments.html", context)


@login_required
@require_safe
def download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = attachment_for_download(pk)
    if attachment is None or not request.user.has_perm("documents.view_attachment", attachment):
        raise Http404(_("Aucune pièce jointe accessible ne porte ce numéro."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("Le fichier de cette pièce jointe est introuvable.")) from error
    response = FileResponse(handle, content_type=attachment.content_type)
    name = attachment.download_name
    disposition = content_disposition_header(True, name) or "attachment"
    if "filename*=" not in disposition:
        # Both forms (RFC 6266): the quoted ASCII name, and the exact UTF-8 one.
        disposition += f"; filename*=UTF-8''{quote(name, safe='')}"
    response["Content-Disposition"] = disposition
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    attachment = get_object_or_404(
        Attachment.objects.select_related("application__organisation", "application__call"),
        pk=pk,
    )
    application = attachment.application
    if not request.user.has_perm("documents.view_attachment", attachment):
        raise Http404(_("Aucune pièce jointe accessible ne porte ce numéro."))
    if not request.user.has_perm("documents.change_attachments", application):
        _deny_or_hide(request, application)
    page_url = reverse("documents:application_attachments", kwargs={"pk": application.pk})
    try:
        domain.attachment_delete(attachment=attachment, by=_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Le fichier « %s » a été retiré des pièces jointes.") % attachment
        )
    return redirect(_safe_next(request, page_url))


# --- requests for information ------------------------------------------------


def _render_thread(
    request: HttpRequest,
    application: Application,
    failed: InformationRequest | None = None,
    failed_form: InformationReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    requests = list(application_thread(application))
    # Asked once for the page rather than once per request (the POST views ask the rules).
    may_reply = bool(is_member(user, application))
    may_close = user.has_perm("documents.send_information_request", application)
    for item in requests:
        item.can_reply = may_reply and item.is_open  # type: ignore[attr-defined]
        item.can_close = may_close and item.is_open  # type: ignore[attr-defined]
        if failed is not None and item.pk == failed.pk and failed_form is not None:
            item.reply_form = failed_form  # type: ignore[attr-defined]
        else:
            item.reply_form = InformationReplyForm(prefix=f"r{item.pk}")  # type: ignore[attr-defined]
    context = {"application": application, "requests": requests, "can_send": may_close}
    return render(request, "documents/thread.html", context, status=status)


@login_required
@require_safe
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, "documents.view_thread")
    return _render_thread(request, application)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related("organisation", "call__programme"), pk=pk
    )
    if not request.user.has_perm("documents.send_information_request", application):
        _deny_or_hide(request, application)
    form = InformationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            domain.information_request_send(
                application=application,
                by=_user(request),
                message=form.cleaned_data["message"],
                sections=form.cleaned_data["sections"],
                reopen=form.cleaned_data["reopen"],
                base_url=request.build_absolute_uri("/"),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("La demande de compléments a été envoyée."))
            return redirect("documents:thread", pk=application.pk)
    return render(
        request, "documents/request_create.html", {"application": application, "form": form}
    )


def _request_of(request: HttpRequest, pk: int) -> InformationRequest:
    info = get_object_or_404(
        InformationRequest.objects.select_related(
            "application__organisation", "application__call__programme", "sent_by"
        ),
        pk=pk,
    )
    if not request.user.has_perm("documents.view_thread", info.application):
        raise Http404(_("Aucune demande accessible ne porte ce numéro."))
    return info


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    info = _request_of(request, pk)
    if not request.user.has_perm("documents.reply_information_request", info):
        raise PermissionDenied(_("Vous ne pouvez pas répondre à cette demande."))
    form = InformationReplyForm(request.POST, request.FILES, prefix=f"r{info.pk}")
    if form.is_valid():
        try:
            domain.information_reply(
                request=info,
                by=_user(request),
                message=form.cleaned_data["message"],
                files=form.cleaned_data["documents"],
                base_url=request.build_absolute_uri("/"),
            )
        except DomainError as error:
            form.add_error("documents" if error.code in _FILE_ERRORS else None, str(error))
        else:
            messages.success(request, _("Votre réponse a été envoyée."))
            url = reverse("documents:thread", kwargs={"pk": info.application_id})
            return redirect(f"{url}#demande-{info.pk}")
    return _render_thread(request, info.application, failed=info, failed_form=form)


_FILE_ERRORS = frozenset({"too_large", "type", "empty", "infected", "scan_failed"})


@login_required
@require_POST
def request_close(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    info = _request_of(request, pk)
    if not request.user.has_perm("documents.close_information_request", info):
        raise PermissionDenied(_("Vous ne pouvez pas clore cette demande."))
    try:
        domain.information_request_close(request=info, by=_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("La demande a été close."))
    return redirect("documents:thread", pk=info.application_id)
