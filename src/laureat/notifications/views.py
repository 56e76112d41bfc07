"""The outbox pages of a call (managers) and the applicant's download of a sent letter.

Thin views: access check, form, domain call, response. The manager pages are a
403 for a signed-in person who does not manage the call (the call's existence
is public); a letter that is not the applicant's, or not yet sent, is a 404.
"""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from laureat.accounts.models import User
from laureat.core.errors import DomainError
from laureat.notifications import domain
from laureat.notifications.enums import SENDABLE_STATES, MessageState
from laureat.notifications.forms import NotificationSettingsForm, OutboxFilterForm
from laureat.notifications.models import OutboxMessage
from laureat.notifications.queries import notification_settings_of, outbox_counts, outbox_messages
from laureat.programmes.models import Call


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _managed_call(request: HttpRequest, slug: str) -> Call:
    call = get_object_or_404(Call.objects.select_related("programme"), slug=slug)
    if not request.user.has_perm("programmes.manage_programme", call):
        raise PermissionDenied(_("Seuls les gestionnaires du programme gèrent ses courriers."))
    return call


def _message_of(call: Call, pk: int) -> OutboxMessage:
    return get_object_or_404(
        OutboxMessage.objects.select_related("application__organisation", "sent_by", "call"),
        pk=pk,
        call=call,
    )


def _outbox_url(call: Call) -> str:
    return reverse("notifications:outbox", kwargs={"slug": call.slug})


def _pdf_response(message: OutboxMessage) -> HttpResponse:
    response = HttpResponse(bytes(message.attachment), content_type="application/pdf")
    name = message.attachment_name
    disposition = content_disposition_header(True, name) or "attachment"
    if "filename*=" not in disposition:
        disposition += f"; filename*=UTF-8''{quote(name, safe='')}"
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_edit(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    current = notification_settings_of(call)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            try:
                domain.notification_settings_update(
                    call=call, by=_user(request), **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Les paramètres des courriers sont enregistrés."))
                return redirect(_outbox_url(call))
    else:
        form = NotificationSettingsForm(
            initial={name: getattr(current, name) for name in domain.SETTINGS_FIELDS}
        )
    return render(request, "notifications/settings.html", {"call": call, "form": form})


@login_required
@require_safe
def outbox(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    filters = OutboxFilterForm(request.GET or None)
    kind = state = ""
    if filters.is_valid():
        kind = filters.cleaned_data["kind"]
        state = filters.cleaned_data["state"]
    counts = outbox_counts(call)
    context: dict[str, Any] = {
        "call": call,
        "filters": filters,
        "outbox": list(outbox_messages(call, kind=kind, state=state)),
        "counts": counts,
        "state_counts": [(s, counts[s.value]) for s in MessageState],
        "sendable": counts[MessageState.DRAFT] + counts[MessageState.FAILED],
        "sendable_states": [s.value for s in SENDABLE_STATES],
    }
    return render(request, "notifications/outbox.html", context)


@login_required
@require_POST
def prepare(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    call = _managed_call(request, slug)
    try:
        count = domain.decision_letters_prepare(
            call=call, by=_user(request), base_url=request.build_absolute_uri("/")
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "%d courrier préparé : relisez-le avant de l'envoyer.",
                "%d courriers préparés : relisez-les avant de les envoyer.",
                count,
            )
            % count,
        )
    return redirect(_outbox_url(call))


def _chosen(request: HttpRequest, call: Call) -> list[OutboxMessage]:
    """The messages to send: those ticked, or all sendable ones when ``scope=all``."""
    sendable = OutboxMessage.objects.filter(call=call, state__in=SENDABLE_STATES).defer(
        "attachment", "body"
    )
    if request.POST.get("scope") == "all":
        return list(sendable)
    ids = [int(v) for v in request.POST.getlist("message") if v.isdigit()]
    return list(sendable.filter(pk__in=ids))


@login_required
@require_POST
def send(request: HttpRequest, slug: str) -> HttpResponse:
    """First post: a confirmation page with the count; second post (``confirm``): send."""
    call = _managed_call(request, slug)
    chosen = _chosen(request, call)
    if not chosen:
        messages.error(request, _("Aucun message à envoyer : cochez des brouillons."))
        return redirect(_outbox_url(call))
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "notifications/send_confirm.html",
            {"call": call, "chosen": chosen, "count": len(chosen)},
        )
    try:
        report = domain.outbox_send(messages=chosen, by=_user(request))
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(_outbox_url(call))
    if report.sent or report.failed:
        if report.sent:
            messages.success(
                request,
                ngettext("%d message envoyé.", "%d messages envoyés.", len(report.sent))
                % len(report.sent),
            )
        if report.failed:
            messages.error(
                request,
                ngettext(
                    "%d message n'a pas pu être envoyé : voyez l'erreur dans sa fiche.",
                    "%d messages n'ont pas pu être envoyés : voyez l'erreur dans leur fiche.",
                    len(report.failed),
                )
                % len(report.failed),
            )
    elif report.claimed:
        messages.info(
            request,
            ngettext(
                "%d message en cours d'envoi.", "%d messages en cours d'envoi.", len(report.claimed)
            )
            % len(report.claimed),
        )
    if report.skipped and not report.claimed:
        messages.info(request, _("Ces messages étaient déjà envoyés ou annulés."))
    return redirect(_outbox_url(call))


@login_required
@require_safe
def preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _managed_call(request, slug)
    message = _message_of(call, pk)
    context = {
        "call": call,
        "message": message,
        "sendable": message.state in SENDABLE_STATES,
    }
    return render(request, "notifications/preview.html", context)


@login_required
@require_POST
def cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponseRedirect:
    call = _managed_call(request, slug)
    message = _message_of(call, pk)
    try:
        domain.outbox_cancel(message=message, by=_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Le message est annulé : il ne sera pas envoyé."))
    return redirect(_outbox_url(call))


@login_required
@require_safe
def letter_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _managed_call(request, slug)
    message = _message_of(call, pk)
    if not message.attachment_name:
        raise Http404(_("Ce message n'a pas de courrier joint."))
    return _pdf_response(message)


@login_required
@require_safe
def my_letter(request: HttpRequest, pk: int) -> HttpResponse:
    message = (
        OutboxMessage.objects.select_related("application__call", "call").filter(pk=pk).first()
    )
    if message is None or not request.user.has_perm("notifications.view_sent_letter", message):
        raise Http404(_("Aucun courrier accessible ne porte ce numéro."))
    return _pdf_response(message)
