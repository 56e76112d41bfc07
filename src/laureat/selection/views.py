"""The selection pages: the call's policy and proposal, committee meetings, decisions.

Thin views: access check, form, domain call, response. Programme managers run
everything; the members of a meeting may read the proposal and their meetings.
Someone who may not even see the call gets a 404, anyone else without the right a 403.
"""

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from laureat.accounts.models import User
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call
from laureat.selection import domain
from laureat.selection.enums import DecisionOutcome
from laureat.selection.forms import (
    DecisionForm,
    MeetingAttachmentForm,
    MeetingForm,
    SelectionSettingsForm,
)
from laureat.selection.models import CommitteeMeeting, Decision, MeetingAttachment
from laureat.selection.queries import (
    call_meetings,
    conflicted_applications,
    decision_table,
    hide_conflicted_decisions,
    hide_conflicted_proposal,
    last_run,
    proposal_for,
)

MANAGE = "selection.manage_selection"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _deny(request: HttpRequest, call: Call) -> None:
    if request.user.has_perm("programmes.view_call", call):
        raise PermissionDenied(_("La sélection de cet appel est réservée à ses gestionnaires."))
    raise Http404(_("Aucun appel accessible ne porte cet identifiant."))


def _call(request: HttpRequest, slug: str, perm: str = MANAGE) -> Call:
    call = get_object_or_404(Call.objects.select_related("programme"), slug=slug)
    if not request.user.has_perm(perm, call):
        _deny(request, call)
    return call


def _meeting(request: HttpRequest, slug: str, pk: int, *, manage: bool) -> CommitteeMeeting:
    call = get_object_or_404(Call.objects.select_related("programme"), slug=slug)
    meeting = get_object_or_404(
        CommitteeMeeting.objects.select_related("call__programme", "run"), pk=pk, call=call
    )
    perm = MANAGE if manage else "selection.view_meeting"
    target: Any = call if manage else meeting
    if not request.user.has_perm(perm, target):
        _deny(request, call)
    return meeting


def _manage_url(call: Call) -> str:
    return reverse("selection:manage", kwargs={"slug": call.slug})


def _meeting_url(meeting: CommitteeMeeting) -> str:
    return reverse("selection:meeting", kwargs={"slug": meeting.call.slug, "pk": meeting.pk})


# --- policy and proposal --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(request, slug, "selection.view_selection")
    can_manage = request.user.has_perm(MANAGE, call)
    policy = domain.selection_settings_for(call)
    form = SelectionSettingsForm(initial=SelectionSettingsForm.initial_from(policy))
    error = ""
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Seuls les gestionnaires modifient la sélection."))
        form = SelectionSettingsForm(request.POST)
        compute = request.POST.get("action") == "compute"
        if form.is_valid():
            try:
                with transaction.atomic():
                    domain.selection_settings_update(
                        call=call, by=_user(request), **form.domain_values()
                    )
                    if compute:
                        run = domain.selection_compute(call=call, by=_user(request))
            except DomainError as failure:
                if failure.code == "infeasible":
                    error = str(failure)
                else:
                    form.add_error(None, str(failure))
            else:
                if compute:
                    messages.success(
                        request,
                        _("Proposition calculée : %(count)s lauréats proposés.")
                        % {"count": len(run.result.get("selected", []))},
                    )
                    return redirect(_manage_url(call) + "#proposition")
                messages.success(request, _("Les paramètres de sélection sont enregistrés."))
                return redirect(_manage_url(call))
    latest = last_run(call)
    proposal = (
        proposal_for(latest, forced_in=policy.forced_in, forced_out=policy.forced_out)
        if latest
        else None
    )
    hidden = 0
    if proposal is not None and not can_manage:
        # A committee member never sees the applications they are in conflict with.
        hidden = hide_conflicted_proposal(proposal, conflicted_applications(call, request.user))
    initial = SelectionSettingsForm.initial_from(policy)
    by = latest.by if latest else None
    context = {
        "hidden": hidden,
        "call": call,
        "form": form,
        "error": error,
        "cap_percent": initial["region_cap_percent"],
        "partial_percent": initial["partial_percent"],
        "run_by": (by.get_full_name() or by.email) if by else _("la ligne de commande"),
        "proposal": proposal,
        "policy": policy,
        "can_manage": can_manage,
        "published": call.state == CallState.RESULTS_PUBLISHED,
    }
    return render(request, "selection/manage.html", context, status=400 if error else 200)


@login_required
@require_POST
def force(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(request, slug)
    try:
        application_id = int(request.POST.get("application", ""))
    except ValueError:
        application_id = 0
    application = Application.objects.filter(pk=application_id, call=call).first()
    if application is None:
        messages.error(request, _("Cette candidature n'est pas dans cet appel."))
        return redirect(_manage_url(call))
    choice = request.POST.get("choice", "")
    try:
        domain.selection_force(call=call, application=application, choice=choice, by=_user(request))
    except DomainError as failure:
        messages.error(request, str(failure))
    else:
        text = {
            "in": _("%s sera retenue d'office au prochain calcul."),
            "out": _("%s sera écartée d'office au prochain calcul."),
            "none": _("%s est laissée au choix de l'optimiseur."),
        }[choice]
        messages.success(request, text % application.reference)
    return redirect(_manage_url(call) + "#proposition")


# --- meetings ---------------------------------------------------------------------------


@login_required
@require_safe
def meetings(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(request, slug, "selection.view_selection")
    can_manage = request.user.has_perm(MANAGE, call)
    listed = call_meetings(call)
    if not can_manage:
        listed = listed.filter(members=_user(request))
    context = {"call": call, "meetings": list(listed), "can_manage": can_manage}
    return render(request, "selection/meetings.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(request, slug)
    form = MeetingForm(call=call)
    if request.method == "POST":
        form = MeetingForm(request.POST, call=call)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = domain.meeting_create(
                    call=call,
                    by=_user(request),
                    held_on=data["held_on"],
                    place=data["place"],
                    members=list(data["members"]),
                    quorum=data["quorum"],
                    minutes=data["minutes"],
                )
            except DomainError as failure:
                form.add_error(None, str(failure))
            else:
                messages.success(request, _("La séance est enregistrée."))
                return redirect(_meeting_url(meeting))
    return render(request, "selection/meeting_form.html", {"call": call, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk, manage=True)
    call = meeting.call
    form = MeetingForm(initial=MeetingForm.initial_from(meeting), call=call)
    if request.method == "POST":
        form = MeetingForm(request.POST, call=call)
        if form.is_valid():
            data = form.cleaned_data
            try:
                domain.meeting_update(
                    meeting=meeting,
                    by=_user(request),
                    held_on=data["held_on"],
                    place=data["place"],
                    members=list(data["members"]),
                    quorum=data["quorum"],
                    minutes=data["minutes"],
                )
            except DomainError as failure:
                form.add_error(None, str(failure))
            else:
                messages.success(request, _("La séance est modifiée."))
                return redirect(_meeting_url(meeting))
    context = {"call": call, "form": form, "meeting": meeting}
    return render(request, "selection/meeting_form.html", context)


def _meeting_page(
    request: HttpRequest,
    meeting: CommitteeMeeting,
    *,
    attachment_form: MeetingAttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    call = meeting.call
    can_manage = request.user.has_perm(MANAGE, call)
    run = last_run(call)
    members = list(meeting.members.order_by("last_name", "first_name", "email"))
    table = decision_table(call)
    hidden = 0
    if not can_manage:
        # A committee member never sees the applications they are in conflict with.
        hidden = hide_conflicted_decisions(table, conflicted_applications(call, request.user))
    context = {
        "hidden": hidden,
        "call": call,
        "meeting": meeting,
        "members": members,
        "quorum_reached": len(members) >= meeting.quorum,
        "attachments": list(meeting.attachments.all()),
        "attachment_form": attachment_form or MeetingAttachmentForm(),
        "table": table,
        "run": run,
        "run_is_loaded": run is not None and meeting.run_id == run.pk,
        "outcomes": DecisionOutcome.choices,
        "can_manage": can_manage,
        "editable": can_manage
        and meeting.closed_at is None
        and call.state != CallState.RESULTS_PUBLISHED,
        "published": call.state == CallState.RESULTS_PUBLISHED,
    }
    return render(request, "selection/meeting.html", context, status=status)


@login_required
@require_safe
def meeting(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _meeting_page(request, _meeting(request, slug, pk, manage=False))


@login_required
@require_POST
def meeting_attachment_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk, manage=True)
    form = MeetingAttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = domain.meeting_attachment_add(
                meeting=meeting,
                by=_user(request),
                upload=form.cleaned_data["file"],
                label=form.cleaned_data["label"],
            )
        except DomainError as failure:
            form.add_error("file", str(failure))
        else:
            messages.success(
                request, _("Le fichier « %s » est joint à la séance.") % attachment.original_name
            )
            return redirect(_meeting_url(meeting) + "#pieces")
    return _meeting_page(request, meeting, attachment_form=form, status=400)


@login_required
@require_safe
def meeting_attachment(request: HttpRequest, slug: str, pk: int, attachment: int) -> FileResponse:
    meeting = _meeting(request, slug, pk, manage=False)
    item = get_object_or_404(MeetingAttachment, pk=attachment, meeting=meeting)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("Le fichier de cette pièce est introuvable.")) from error
    response = FileResponse(handle, content_type=item.content_type)
    disposition = content_disposition_header(True, item.original_name) or "attachment"
    if "filename*=" not in disposition:
        disposition += f"; filename*=UTF-8''{quote(item.original_name, safe='')}"
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def meeting_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk, manage=True)
    try:
        domain.meeting_close(meeting=meeting, by=_user(request))
    except DomainError as failure:
        messages.error(request, str(failure))
    else:
        messages.success(request, _("La séance est close."))
    return redirect(_meeting_url(meeting))


@login_required
@require_POST
def meeting_recompute(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk, manage=True)
    try:
        run = domain.meeting_recompute(meeting=meeting, by=_user(request))
    except DomainError as failure:
        messages.error(request, str(failure))
    else:
        messages.success(
            request,
            _(
                "Nouvelle proposition calculée avec les choix du comité : %(count)s lauréats. "
                "Chargez-la pour remplacer les décisions en cours."
            )
            % {"count": len(run.result.get("selected", []))},
        )
    return redirect(_meeting_url(meeting) + "#proposition")


@login_required
@require_POST
def meeting_load(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk, manage=True)
    run = last_run(meeting.call)
    try:
        size = int(request.POST.get("waiting_list_size", "5"))
    except ValueError:
        size = -1
    if run is None:
        messages.error(request, _("Aucune proposition n'est calculée : calculez-la d'abord."))
    elif not 0 <= size <= 1000:
        messages.error(request, _("La taille de la liste d'attente est un nombre de 0 à 1000."))
    else:
        try:
            count = domain.decisions_load_proposal(
                meeting=meeting, run=run, by=_user(request), waiting_list_size=size
            )
        except DomainError as failure:
            messages.error(request, str(failure))
        else:
            messages.success(
                request,
                _("La proposition est chargée : %s décisions en cours, rien n'est publié.") % count,
            )
    return redirect(_meeting_url(meeting) + "#decisions")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def decision_edit(request: HttpRequest, slug: str, pk: int, application: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk, manage=True)
    call = meeting.call
    target = get_object_or_404(
        Application.objects.select_related("call", "commune__department__region"),
        pk=application,
        call=call,
    )
    decision = Decision.objects.filter(application=target).prefetch_related("awards").first()
    envelopes = list(call.envelopes.select_related("funder").order_by("funder__slug"))
    initial: dict[str, Any] = {}
    if decision is not None:
        initial = {
            "outcome": decision.outcome,
            "waiting_rank": decision.waiting_rank,
            "reason": decision.reason,
        }
        initial.update({f"award_{a.funder_id}": a.amount for a in decision.awards.all()})
    if request.GET.get("outcome") in DecisionOutcome.values:
        initial["outcome"] = request.GET["outcome"]
        if initial["outcome"] == DecisionOutcome.REJECTED:
            initial["reason"] = ""
    form = DecisionForm(initial=initial, envelopes=envelopes)
    if request.method == "POST":
        form = DecisionForm(request.POST, envelopes=envelopes)
        if form.is_valid():
            outcome = form.cleaned_data["outcome"]
            try:
                domain.decision_record(
                    application=target,
                    outcome=outcome,
                    by=_user(request),
                    reason=form.cleaned_data["reason"],
                    waiting_rank=form.cleaned_data["waiting_rank"],
                    awards=form.awards() if outcome == "laureate" else None,
                    meeting=meeting,
                )
            except DomainError as failure:
                form.add_error(None, str(failure))
            else:
                messages.success(
                    request, _("La décision sur %s est enregistrée.") % target.reference
                )
                return redirect(_meeting_url(meeting) + "#decisions")
    requests = domain.funder_requests([target.pk]).get(target.pk, {})
    context = {
        "call": call,
        "meeting": meeting,
        "application": target,
        "decision": decision,
        "form": form,
        "award_fields": [form[f"award_{e.funder_id}"] for e in envelopes],
        "requests": [(e.funder, requests.get(e.funder_id)) for e in envelopes],
    }
    return render(request, "selection/decision_form.html", context)


@login_required
@require_POST
def decision_quick(request: HttpRequest, slug: str, pk: int, application: int) -> HttpResponse:
    """The outcome select of a table row. A rejection needs its reasons: the full form
    opens with it chosen. Otherwise the reasons are cleared, the awards kept (or the
    full request for a new laureate) and a waiting-list entry goes last."""
    meeting = _meeting(request, slug, pk, manage=True)
    target = get_object_or_404(Application, pk=application, call=meeting.call)
    outcome = request.POST.get("outcome", "")
    edit_url = reverse(
        "selection:decision_edit",
        kwargs={"slug": meeting.call.slug, "pk": meeting.pk, "application": target.pk},
    )
    current = Decision.objects.filter(application=target).values_list("outcome", flat=True)
    if outcome not in DecisionOutcome.values:
        messages.error(request, _("Choisissez une décision dans la liste."))
    elif outcome in current:
        messages.info(request, _("La décision sur %s est inchangée.") % target.reference)
    elif outcome == DecisionOutcome.REJECTED:
        messages.info(request, _("Indiquez les motifs pour ne pas retenir %s.") % target.reference)
        return redirect(f"{edit_url}?outcome={outcome}")
    else:
        try:
            domain.decision_record(
                application=target, outcome=outcome, by=_user(request), meeting=meeting
            )
        except DomainError as failure:
            messages.error(request, str(failure))
        else:
            messages.success(request, _("La décision sur %s est enregistrée.") % target.reference)
    return redirect(_meeting_url(meeting) + f"#decision-{target.pk}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk, manage=True)
    call = meeting.call
    error = ""
    if request.method == "POST":
        try:
            count = domain.decisions_publish(call=call, by=_user(request))
        except DomainError as failure:
            error = str(failure)
        else:
            messages.success(
                request, _("Les %s décisions sont publiées ; les résultats sont publics.") % count
            )
            return redirect(_meeting_url(meeting))
    context = {
        "call": call,
        "meeting": meeting,
        "table": decision_table(call),
        "error": error,
        "published": call.state == CallState.RESULTS_PUBLISHED,
    }
    return render(request, "selection/publish.html", context, status=400 if error else 200)
