"""The applicant's pages: dashboard, the drafting wizard, submission, receipt, withdrawal.

Thin views: access check (404 for anybody who may not see the application),
form, domain call, response. A ``DomainError`` becomes a DSFR alert and the
typed data stays in the form.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications import forms as wizard
from laureat.applications.answers import display_answer
from laureat.applications.budget import summarise_budget
from laureat.applications.domain import (
    application_create_draft,
    application_submission_problems,
    application_submit,
    application_transition,
    application_update_draft,
)
from laureat.applications.enums import EDITABLE_STATES, Actor, ApplicationState
from laureat.applications.models import Application, Submission
from laureat.applications.queries import application_budget, applications_of_user
from laureat.applications.receipts import receipt_filename, receipt_pdf
from laureat.applications.rules import actor_roles
from laureat.applications.transitions import find_transition
from laureat.core.errors import ConflictError, DomainError
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call
from laureat.territories.models import Commune
from laureat.territories.queries import communes_search


@dataclass(frozen=True)
class Step:
    slug: str
    title: Any


STEPS: tuple[Step, ...] = (
    Step("projet", gettext_lazy("Le projet")),
    Step("territoire", gettext_lazy("Territoire")),
    Step("themes", gettext_lazy("Thèmes et technologies")),
    Step("publics", gettext_lazy("Apprenants et calendrier")),
    Step("budget", gettext_lazy("Budget")),
    Step("ressources", gettext_lazy("Ressources par financeur")),
    Step("questions", gettext_lazy("Questions de l'appel")),
    Step("pieces", gettext_lazy("Pièces jointes")),
    Step("recapitulatif", gettext_lazy("Vérification et dépôt")),
)
_STEP_INDEX = {s.slug: i for i, s in enumerate(STEPS)}


def _application(
    request: HttpRequest, pk: int, perm: str = "applications.view_application"
) -> Application:
    """The application if ``request.user`` holds ``perm`` on it; otherwise 404."""
    application = get_object_or_404(
        Application.objects.select_related(
            "call__programme", "organisation", "commune__department__region"
        ),
        pk=pk,
    )
    if not request.user.has_perm(perm, application):
        raise Http404(_("Aucune candidature accessible ne porte ce numéro."))
    return application


def _is_applicant(user: Any, application: Application) -> bool:
    return Actor.APPLICANT in actor_roles(user, application)


# --- dashboard --------------------------------------------------------------


def next_action(application: Application, now: Any) -> str:
    """What the applicant should do next, in one sentence."""
    state = application.state
    if state == ApplicationState.DRAFT:
        if application.call.is_open(now):
            return _("Compléter et déposer la candidature avant la clôture.")
        return _("L'appel est clos : ce brouillon ne peut plus être déposé.")
    if state == ApplicationState.SUBMITTED:
        return _("Rien à faire : la recevabilité est en cours d'examen.")
    if state in (ApplicationState.ELIGIBLE, ApplicationState.IN_REVIEW):
        return _("Rien à faire : la candidature est en cours d'évaluation.")
    if state == ApplicationState.LAUREATE:
        return _("Lauréate : la convention de financement va vous être proposée.")
    if state == ApplicationState.WAITING_LIST:
        return _("En liste d'attente : vous serez informé de la décision.")
    return _("Aucune action attendue.")


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    applications = list(applications_of_user(user))
    organisations = list(
        Organisation.objects.filter(memberships__user=user).order_by("name").distinct()
    )
    open_calls = list(
        Call.objects.select_related("programme").filter(
            state=CallState.PUBLISHED, opens_at__lte=now, closes_at__gt=now
        )
    )
    rows = [
        {
            "application": a,
            "next_action": next_action(a, now),
            "deadline": a.call.closes_at if a.state == ApplicationState.DRAFT else None,
            "editable": a.state in EDITABLE_STATES,
        }
        for a in applications
    ]
    return render(
        request,
        "applications/dashboard.html",
        {"rows": rows, "organisations": organisations, "open_calls": open_calls},
    )


# --- start ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    call = get_object_or_404(Call.objects.select_related("programme"), slug=slug)
    if not request.user.has_perm("programmes.view_call", call):
        raise Http404(_("Aucun appel à projets publié ne porte cet identifiant."))
    organisations = Organisation.objects.filter(memberships__user=user).order_by("name").distinct()
    form = wizard.StartForm(request.POST or None, organisations=organisations)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            application = application_create_draft(
                call=call,
                organisation=form.cleaned_data["organisation"],
                title=form.cleaned_data["title"],
                by=user,
            )
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request, _("Le brouillon est créé : il est enregistré à chaque étape.")
            )
            return redirect("applications:step", pk=application.pk, step=STEPS[0].slug)
    return render(
        request,
        "applications/start.html",
        {
            "call": call,
            "form": form,
            "error": error,
            "has_organisations": organisations.exists(),
            "is_open": call.is_open(),
        },
    )


# --- the wizard ---------------------------------------------------------------


def _step_form(step: str, application: Application, data: Any = None, files: Any = None) -> Any:
    call = application.call
    if step == "projet":
        initial = {
            "version": application.version,
            "title": application.title,
            "acronym": application.acronym,
            "summary": application.summary,
            "description": application.description,
        }
        return wizard.ProjectForm(data, initial=initial)
    if step == "territoire":
        return wizard.TerritoryForm(
            data, initial={"version": application.version, "commune": application.commune_id or ""}
        )
    if step == "themes":
        return wizard.ThemesForm(
            data,
            call=call,
            initial={
                "version": application.version,
                "themes": list(application.themes.all()),
                "technologies": list(application.technologies.all()),
            },
        )
    if step == "publics":
        return wizard.LearnersForm(
            data,
            initial={
                "version": application.version,
                "learners_targeted": application.learners_targeted,
                "start_date": application.start_date,
            },
        )
    if step in ("budget", "ressources"):
        return wizard.BudgetForm(data, call=call, initial=wizard.budget_initial(application))
    if step == "questions":
        questions = list(call.questions.all())
        return wizard.QuestionsForm(
            data,
            files,
            questions=questions,
            initial=wizard.questions_initial(application, questions),
        )
    return None


def _save_step(step: str, application: Application, form: Any, user: User) -> Application:
    data = form.cleaned_data
    common = {"application": application, "by": user, "expected_version": data["version"]}
    if step == "projet":
        return application_update_draft(
            **common,
            values={k: data[k] for k in ("title", "acronym", "summary", "description")},
        )
    if step == "territoire":
        code = data.get("commune") or ""
        commune = Commune.objects.filter(code=code).first() if code else None
        if code and commune is None:
            raise DomainError(_("Choisissez une commune dans la liste."))
        return application_update_draft(**common, values={"commune": commune})
    if step == "themes":
        return application_update_draft(
            **common, themes=data["themes"], technologies=data["technologies"]
        )
    if step == "publics":
        return application_update_draft(
            **common,
            values={
                "learners_targeted": data["learners_targeted"],
                "start_date": data["start_date"],
            },
        )
    if step in ("budget", "ressources"):
        return application_update_draft(
            **common, expenses=form.expenses(), resources=form.resources()
        )
    if step == "questions":
        return application_update_draft(**common, answers=form.answers())
    return application


def _budget_summary_from_form(form: wizard.BudgetForm) -> Any:
    return summarise_budget(
        form.expenses(),
        form.resources(),
        funded_categories={e.funder_id: frozenset(e.category_values) for e in form.envelopes},
        funder_names={e.funder_id: str(e.funder) for e in form.envelopes},
        funder_limits={e.funder_id: e.amount for e in form.envelopes},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in _STEP_INDEX:
        raise Http404(_("Cette étape n'existe pas."))
    application = _application(request, pk)
    if not request.user.has_perm("applications.change_application", application):
        if application.state in EDITABLE_STATES:
            raise Http404(_("Aucune candidature accessible ne porte ce numéro."))
        # Submitted (or withdrawn): read-only from now on.
        return redirect("applications:detail", pk=application.pk)
    user: User = request.user  # type: ignore[assignment]
    index = _STEP_INDEX[step]
    form = _step_form(step, application, request.POST or None, request.FILES or None)
    error = ""
    conflict = False
    communes: list[Commune] = []
    if request.method == "POST" and form is not None:
        searching = step == "territoire" and request.POST.get("action") == "search"
        if form.is_valid() and not searching:
            try:
                _save_step(step, application, form, user)
            except ConflictError as exc:
                error, conflict = str(exc), True
            except DomainError as exc:
                error = str(exc)
            else:
                if request.POST.get("action") == "stay":
                    messages.success(request, _("Enregistré."))
                    return redirect("applications:step", pk=application.pk, step=step)
                target = STEPS[min(index + 1, len(STEPS) - 1)].slug
                messages.success(request, _("Étape « %s » enregistrée.") % STEPS[index].title)
                return redirect("applications:step", pk=application.pk, step=target)
    if step == "territoire":
        query = (
            (request.POST.get("commune_query") or "").strip() if request.method == "POST" else ""
        )
        communes = communes_search(query, limit=15) if query else []
        selected = (form.data.get("commune") if form.is_bound else application.commune_id) or ""
        if selected and selected not in {c.code for c in communes}:
            current = (
                Commune.objects.select_related("department__region").filter(code=selected).first()
            )
            if current is not None:
                communes.insert(0, current)
        context_selected = selected
    else:
        context_selected = ""
    context: dict[str, Any] = {
        "application": application,
        "steps": STEPS,
        "step": STEPS[index],
        "step_index": index + 1,
        "steps_count": len(STEPS),
        "next_step": STEPS[index + 1] if index + 1 < len(STEPS) else None,
        "previous_step": STEPS[index - 1] if index > 0 else None,
        "form": form,
        "error": error,
        "conflict": conflict,
        "communes": communes,
        "selected_commune": context_selected,
        "is_open": application.call.is_open(),
    }
    if step in ("budget", "ressources"):
        context["summary"] = (
            _budget_summary_from_form(form)
            if form.is_bound and form.is_valid()
            else application_budget(application)
        )
    if step == "questions":
        answers = {a.question_id: a for a in application.answers.all()}
        context["question_rows"] = [
            (q, field, answers.get(q.pk)) for q, field in form.question_fields()
        ]
    if step == "recapitulatif":
        context["problems"] = application_submission_problems(application)
        context.update(_content_context(application))
    return render(request, "applications/step.html", context)


@login_required
@require_POST
def budget_totals(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the budget totals and problems for what is typed, without saving."""
    application = _application(request, pk, "applications.change_application")
    form = wizard.BudgetForm(request.POST, call=application.call)
    summary = _budget_summary_from_form(form) if form.is_valid() else None
    return render(
        request,
        "applications/_budget_totals.html",
        {"summary": summary, "form": form, "application": application},
    )


# --- read-only view, submission, receipt, withdrawal --------------------------


def _content_context(application: Application) -> dict[str, Any]:
    answers = {a.question_id: a for a in application.answers.all()}
    funders = {e.funder_id: e.funder for e in application.call.envelopes.select_related("funder")}
    return {
        "themes": list(application.themes.all()),
        "technologies": list(application.technologies.all()),
        "answer_rows": [
            (q, display_answer(q.kind, answers[q.pk].value) if q.pk in answers else "—")
            for q in application.call.questions.all()
        ],
        "budget_lines": list(application.budget_lines.all()),
        "resource_lines": list(application.resource_lines.select_related("funder")),
        "budget": application_budget(application),
        "funders": funders,
    }


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    submissions = list(application.submissions.select_related("by").order_by("-sequence"))
    context = {
        "application": application,
        "submissions": submissions,
        "editable": request.user.has_perm("applications.change_application", application),
        "can_withdraw": _is_applicant(request.user, application)
        and find_transition(application.state, ApplicationState.WITHDRAWN) is not None,
        **_content_context(application),
    }
    return render(request, "applications/detail.html", context)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    user: User = request.user  # type: ignore[assignment]
    try:
        application_submit(application=application, by=user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("applications:step", pk=application.pk, step="recapitulatif")
    return redirect("applications:receipt", pk=application.pk)


def _last_submission(application: Application) -> Submission:
    submission = application.submissions.select_related("by").order_by("-sequence").first()
    if submission is None:
        raise Http404(_("Cette candidature n'a pas encore été déposée."))
    return submission


@login_required
@require_safe
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    submission = _last_submission(application)
    return render(
        request,
        "applications/receipt.html",
        {"application": application, "submission": submission},
    )


@login_required
@require_safe
def receipt_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    submission = _last_submission(application)
    response = HttpResponse(receipt_pdf(submission), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(submission)}"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    if not _is_applicant(request.user, application):
        raise Http404(_("Aucune candidature accessible ne porte ce numéro."))
    form = wizard.WithdrawForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            application_transition(
                application=application,
                target=ApplicationState.WITHDRAWN,
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("La candidature est retirée."))
            return redirect("applications:detail", pk=application.pk)
    return render(
        request,
        "applications/withdraw.html",
        {"application": application, "form": form, "error": error},
    )
