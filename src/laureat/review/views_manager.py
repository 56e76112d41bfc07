"""The manager's review pages: settings, reviewer pool, conflicts, assignment, progress,
ranking and exports, under ``gestion/appels/<slug>/evaluation/``.

Thin views: access check, form, domain call, redirect with a message. Only the programme's
managers (perm ``programmes.manage_programme`` on the call) get in: someone who may see the
call gets a 403, anyone else a 404 (a draft call's existence is private).

The assignment proposal is a preview: its pairs live in the session until the manager
confirms them; nothing is saved before.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from laureat.accounts.models import User
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.programmes.models import Call
from laureat.review import domain
from laureat.review.assignment import ShortfallReason
from laureat.review.exports import to_csv, to_xlsx
from laureat.review.forms_manager import (
    ConflictAddForm,
    ForcePairForm,
    InviteReviewerForm,
    ReviewSettingsForm,
    UnlockForm,
)
from laureat.review.models import Assignment, Conflict, Review, Reviewer
from laureat.review.queries import (
    call_progress,
    call_ranking_detail,
    call_review_export,
    call_review_numbers,
    call_reviewer_pool,
)

SETTINGS_FIELDS = (
    "reviewers_per_application",
    "min_load",
    "max_load",
    "opens_at",
    "closes_at",
    "show_other_scores",
    "anonymise_applicants",
    "conflict_same_department",
    "normalise_scores",
    "disagreement_threshold",
)

SHORTFALL_REASONS = {
    ShortfallReason.TOO_FEW_CANDIDATES.value: gettext_lazy(
        "trop peu d'évaluateurs sans conflit d'intérêts"
    ),
    ShortfallReason.LOADS_EXHAUSTED.value: gettext_lazy(
        "les évaluateurs possibles ont atteint leur charge maximale"
    ),
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _managed_call(request: HttpRequest, slug: str) -> Call:
    """The call if ``request.user`` manages its programme; 403 if they may see it, else 404."""
    call = get_object_or_404(Call.objects.select_related("programme"), slug=slug)
    if request.user.has_perm("programmes.manage_programme", call):
        return call
    if request.user.has_perm("programmes.view_call", call):
        raise PermissionDenied(_("Seuls les gestionnaires du programme gèrent son évaluation."))
    raise Http404(_("Aucun appel accessible ne porte cet identifiant."))


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _url(name: str, call: Call) -> str:
    return reverse(f"review:{name}", kwargs={"slug": call.slug})


def _context(call: Call, current: str, **extra: Any) -> dict[str, Any]:
    return {"call": call, "current": current, **extra}


# --- home and settings -------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    review_settings = domain.review_settings_for(call)
    if request.method == "POST":
        form = ReviewSettingsForm(request.POST)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in SETTINGS_FIELDS}
            try:
                domain.review_settings_update(call=call, by=_user(request), **values)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Les paramètres de l'évaluation sont enregistrés."))
                return redirect(_url("manage", call))
    else:
        form = ReviewSettingsForm(
            initial={
                name: (
                    timezone.localtime(value)
                    if name in ("opens_at", "closes_at") and value is not None
                    else value
                )
                for name in SETTINGS_FIELDS
                for value in [getattr(review_settings, name)]
            }
        )
    return render(
        request,
        "review/manager/home.html",
        _context(call, "manage", form=form, numbers=call_review_numbers(call)),
    )


# --- reviewer pool -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_reviewers(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    form = InviteReviewerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reviewer = domain.reviewer_invite(
                call=call,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                expertise=form.cleaned_data["expertise"],
                by=_user(request),
                base_url=_base_url(request),
            )
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("L'invitation est envoyée à %s.") % reviewer.user.email,
            )
            return redirect(_url("manage_reviewers", call))
    return render(
        request,
        "review/manager/reviewers.html",
        _context(call, "manage_reviewers", form=form, reviewers=call_reviewer_pool(call)),
    )


def _reviewer(call: Call, pk: int) -> Reviewer:
    return get_object_or_404(Reviewer.objects.select_related("user", "call"), pk=pk, call=call)


@login_required
@require_POST
def manage_reviewer_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _managed_call(request, slug)
    reviewer = _reviewer(call, pk)
    try:
        domain.reviewer_invitation_resend(
            reviewer=reviewer, by=_user(request), base_url=_base_url(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("L'invitation est renvoyée à %s.") % reviewer.user.email)
    return redirect(_url("manage_reviewers", call))


@login_required
@require_POST
def manage_reviewer_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _managed_call(request, slug)
    reviewer = _reviewer(call, pk)
    try:
        domain.reviewer_remove(reviewer=reviewer, by=_user(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%s est retiré du vivier.") % reviewer.user)
    return redirect(_url("manage_reviewers", call))


# --- conflicts ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_conflicts(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    form = ConflictAddForm(call=call)
    if request.method == "POST":
        if request.POST.get("action") == "compute":
            count = domain.conflicts_compute(call=call, by=_user(request))
            messages.success(
                request, _("Conflits recalculés : %d conflit(s) déduit(s) des données.") % count
            )
            return redirect(_url("manage_conflicts", call))
        form = ConflictAddForm(request.POST, call=call)
        if form.is_valid():
            try:
                domain.conflict_add(
                    reviewer=form.cleaned_data["reviewer"],
                    application=form.cleaned_data["application"],
                    reason=form.cleaned_data["reason"],
                    by=_user(request),
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Le conflit d'intérêts est enregistré."))
                return redirect(_url("manage_conflicts", call))
    conflicts = (
        Conflict.objects.filter(reviewer__call=call)
        .select_related("reviewer__user", "application")
        .order_by("application__reference", "reviewer__user__email", "source")
    )
    return render(
        request,
        "review/manager/conflicts.html",
        _context(call, "manage_conflicts", form=form, conflicts=conflicts),
    )


# --- assignment --------------------------------------------------------------


def _preview_key(call: Call) -> str:
    return f"review_preview:{call.pk}"


def _run_preview(run: domain.AssignmentRun) -> dict[str, Any]:
    """What the session keeps of a proposal: plain JSON."""
    data = run.as_json()
    return {
        "pairs": [
            [run.application_ids[i], run.reviewer_ids[j], round(float(f), 6)]
            for i, j, f in zip(
                run.result.pair_application.tolist(),
                run.result.pair_reviewer.tolist(),
                run.result.pair_affinity.tolist(),
                strict=True,
            )
        ],
        "objective": data["objective"],
        "k": run.k,
        "max_loads": {str(r["id"]): r["max_load"] for r in data["reviewers"]},
        "shortfall": [
            {"application": s["application"], "required": s["required"], "reason": s["reason"]}
            for s in run.shortfall
        ],
    }


def _preview_view(call: Call, preview: dict[str, Any]) -> dict[str, Any]:
    """The preview with names: per application its reviewers, per reviewer its load."""
    min_load = domain.review_settings_for(call).min_load
    pairs = [(int(a), int(r), float(f)) for a, r, f in preview["pairs"]]
    applications = list(
        Application.objects.filter(call=call, state__in=domain.REVIEWABLE_STATES).order_by(
            "reference"
        )
    )
    reviewers = {
        r.pk: r for r in Reviewer.objects.filter(call=call).select_related("user").order_by("pk")
    }
    forced = set(
        Assignment.objects.filter(reviewer__call=call, forced=True).values_list(
            "application_id", "reviewer_id"
        )
    )
    by_application: dict[int, list[dict[str, Any]]] = {}
    loads: dict[int, int] = {}
    for app_id, reviewer_id, affinity in pairs:
        reviewer = reviewers.get(reviewer_id)
        if reviewer is None:
            continue
        by_application.setdefault(app_id, []).append(
            {
                "reviewer": reviewer,
                "affinity": affinity,
                "forced": (app_id, reviewer_id) in forced,
            }
        )
        loads[reviewer_id] = loads.get(reviewer_id, 0) + 1
    shortfall = {int(s["application"]): s for s in preview["shortfall"]}
    rows = []
    for application in applications:
        short = shortfall.get(application.pk)
        rows.append(
            {
                "application": application,
                "reviewers": by_application.get(application.pk, []),
                "missing": short["required"] - len(by_application.get(application.pk, []))
                if short
                else max(preview["k"] - len(by_application.get(application.pk, [])), 0),
                "reason": SHORTFALL_REASONS.get(short["reason"], "") if short else "",
            }
        )
    load_rows = [
        {
            "reviewer": reviewer,
            "load": loads.get(pk, 0),
            "max_load": preview["max_loads"].get(str(pk)),
            "under": loads.get(pk, 0) < min(min_load, preview["max_loads"].get(str(pk)) or 0),
        }
        for pk, reviewer in reviewers.items()
        if str(pk) in preview["max_loads"]
    ]
    return {
        "rows": rows,
        "loads": load_rows,
        "objective": preview["objective"],
        "pairs": len(pairs),
        "short": [r for r in rows if r["missing"] > 0],
    }


def _assignment_action(
    request: HttpRequest, call: Call, action: str, force_form: ForcePairForm
) -> HttpResponse | None:
    """Run one POSTed action of the assignment page; a response, or None to re-render."""
    by = _user(request)
    key = _preview_key(call)
    if action == "compute":
        try:
            run = domain.assignment_build(call=call)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            request.session[key] = _run_preview(run)
            messages.info(
                request,
                _("Proposition calculée : vérifiez-la, ajustez-la puis confirmez-la."),
            )
        return redirect(_url("manage_assignments", call))
    if action == "discard":
        request.session.pop(key, None)
        messages.info(request, _("La proposition est abandonnée ; rien n'a été enregistré."))
        return redirect(_url("manage_assignments", call))
    if action == "drop":
        preview = request.session.get(key)
        if preview is not None:
            pair = [request.POST.get("application", ""), request.POST.get("reviewer", "")]
            preview["pairs"] = [p for p in preview["pairs"] if [str(p[0]), str(p[1])] != pair]
            request.session[key] = preview
            messages.info(request, _("La paire est retirée de la proposition."))
        return redirect(_url("manage_assignments", call))
    if action == "confirm":
        preview = request.session.get(key)
        if preview is None:
            messages.error(request, _("Calculez d'abord une proposition."))
            return redirect(_url("manage_assignments", call))
        outcome = domain.assignment_confirm(
            call=call,
            pairs=[(int(a), int(r), float(f)) for a, r, f in preview["pairs"]],
            by=by,
            base_url=_base_url(request),
        )
        request.session.pop(key, None)
        text = _(
            "Affectations enregistrées : %(created)d nouvelle(s), %(notified)d évaluateur(s) "
            "prévenu(s) par courriel."
        ) % {"created": outcome.created, "notified": outcome.notified}
        if outcome.skipped:
            text += " " + _("%d paire(s) écartée(s) : devenues impossibles depuis le calcul.") % (
                outcome.skipped
            )
        messages.success(request, text)
        return redirect(_url("manage_assignments", call))
    if action == "refill":
        try:
            run = domain.assignment_complete(call=call, by=by)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            text = _("Affectations complétées.")
            if run.shortfall:
                text += " " + _("%d candidature(s) manquent encore d'évaluateurs.") % len(
                    run.shortfall
                )
            messages.success(request, text)
        return redirect(_url("manage_assignments", call))
    if action == "remove":
        assignment = get_object_or_404(
            Assignment, pk=request.POST.get("assignment") or 0, reviewer__call=call
        )
        try:
            domain.assignment_remove(assignment=assignment, by=by)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("L'affectation est retirée."))
        return redirect(_url("manage_assignments", call))
    if action == "force" and force_form.is_valid():
        application = force_form.cleaned_data["application"]
        reviewer = force_form.cleaned_data["reviewer"]
        try:
            domain.assignment_force(application=application, reviewer=reviewer, by=by)
        except DomainError as error:
            force_form.add_error(None, error.message)
            return None
        preview = request.session.get(key)
        if preview is not None:
            # Recompute: the optimiser keeps the forced pair and rebalances the others.
            request.session[key] = _run_preview(domain.assignment_build(call=call))
        messages.success(
            request,
            _("%(person)s évaluera %(ref)s (affectation imposée).")
            % {"person": reviewer.user, "ref": application.reference},
        )
        return redirect(_url("manage_assignments", call))
    return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_assignments(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    force_form = ForcePairForm(call=call)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "force":
            force_form = ForcePairForm(request.POST, call=call)
        response = _assignment_action(request, call, action, force_form)
        if response is not None:
            return response
    preview = request.session.get(_preview_key(call))
    assignments = (
        Assignment.objects.filter(reviewer__call=call)
        .select_related("reviewer__user", "application", "review")
        .order_by("application__reference", "reviewer__user__email")
    )
    return render(
        request,
        "review/manager/assignments.html",
        _context(
            call,
            "manage_assignments",
            force_form=force_form,
            preview=_preview_view(call, preview) if preview is not None else None,
            assignments=assignments,
        ),
    )


# --- progress ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_progress(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    if request.method == "POST":
        chosen = None
        if request.POST.get("reviewer"):
            chosen = list(Reviewer.objects.filter(call=call, pk=request.POST["reviewer"]))
        sent = domain.reviewers_remind(
            call=call, by=_user(request), reviewers=chosen, base_url=_base_url(request)
        )
        if sent:
            messages.success(request, _("%d relance(s) envoyée(s) par courriel.") % sent)
        else:
            messages.info(
                request,
                _(
                    "Aucune relance envoyée : personne n'est en retard, ou les retardataires "
                    "ont déjà été relancés il y a moins de 24 heures."
                ),
            )
        return redirect(_url("manage_progress", call))
    review_settings = domain.review_settings_for(call)
    return render(
        request,
        "review/manager/progress.html",
        _context(
            call,
            "manage_progress",
            progress=call_progress(call),
            closes_at=review_settings.closes_at,
        ),
    )


# --- ranking and exports -----------------------------------------------------


@login_required
@require_safe
def manage_ranking(request: HttpRequest, slug: str) -> HttpResponse:
    call = _managed_call(request, slug)
    rows = call_ranking_detail(call)
    selected = request.GET.get("candidature", "")
    return render(
        request,
        "review/manager/ranking.html",
        _context(
            call,
            "manage_ranking",
            rows=rows,
            selected=int(selected) if selected.isdigit() else None,
            criteria=list(call.criteria.order_by("position", "pk")),
            normalise=domain.review_settings_for(call).normalise_scores,
            unlock_form=UnlockForm(),
        ),
    )


@login_required
@require_POST
def manage_review_unlock(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _managed_call(request, slug)
    review = get_object_or_404(
        Review.objects.select_related("assignment__reviewer__user", "assignment__application"),
        pk=pk,
        assignment__reviewer__call=call,
    )
    back = _url("manage_ranking", call) + f"?candidature={review.assignment.application_id}"
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez pourquoi l'évaluation est rouverte."))
        return redirect(back)
    try:
        domain.review_unlock(review=review, by=_user(request), reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("L'évaluation de %s est rouverte : elle ne compte plus jusqu'à ce qu'il la rende.")
            % review.assignment.reviewer.user,
        )
    return redirect(back)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _export(kind: str) -> Callable[[HttpRequest, str], HttpResponse]:
    @login_required
    @require_safe
    def view(request: HttpRequest, slug: str) -> HttpResponse:
        call = _managed_call(request, slug)
        table = call_review_export(call)
        stamp = timezone.localtime().strftime("%Y%m%d")
        if kind == "csv":
            return _download(
                to_csv(table), "text/csv; charset=utf-8", f"evaluations-{call.slug}-{stamp}.csv"
            )
        return _download(
            to_xlsx(table),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"evaluations-{call.slug}-{stamp}.xlsx",
        )

    return view


export_csv = _export("csv")
export_xlsx = _export("xlsx")


PREFIX = "gestion/appels/<slug:slug>/evaluation/"

urlpatterns: list[URLPattern] = [
    path(PREFIX, manage, name="manage"),
    path(PREFIX + "evaluateurs/", manage_reviewers, name="manage_reviewers"),
    path(
        PREFIX + "evaluateurs/<int:pk>/renvoyer/",
        manage_reviewer_resend,
        name="manage_reviewer_resend",
    ),
    path(
        PREFIX + "evaluateurs/<int:pk>/retirer/",
        manage_reviewer_remove,
        name="manage_reviewer_remove",
    ),
    path(PREFIX + "conflits/", manage_conflicts, name="manage_conflicts"),
    path(PREFIX + "affectations/", manage_assignments, name="manage_assignments"),
    path(PREFIX + "avancement/", manage_progress, name="manage_progress"),
    path(PREFIX + "classement/", manage_ranking, name="manage_ranking"),
    path(
        PREFIX + "evaluations/<int:pk>/rouvrir/",
        manage_review_unlock,
        name="manage_review_unlock",
    ),
    path(PREFIX + "export.csv", export_csv, name="export_csv"),
    path(PREFIX + "export.xlsx", export_xlsx, name="export_xlsx"),
]
