"""The reviewer's pages: invitations, profile, workspace, conflict check, reading, scoring.

Every page about an assignment answers 404 unless the signed-in user holds
``review.review_application`` on its application (assigned, active, not declined, not
conflicted) through that very assignment; its content (the file, the scoring grid) is
shown only once the reviewer has confirmed having no conflict of interest.
"""

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from laureat.accounts.models import User
from laureat.applicants.models import Membership, Organisation
from laureat.applications.answers import display_answer
from laureat.applications.enums import ResourceKind
from laureat.applications.models import Application, Submission
from laureat.core.errors import DomainError
from laureat.documents.models import Attachment
from laureat.programmes.enums import ExpenseCategory
from laureat.programmes.models import Call, Funder, Technology, Theme
from laureat.review.domain import (
    AssignmentRun,
    assignment_accept,
    assignment_declare_conflict,
    assignment_decline,
    review_save,
    review_settings_for,
    review_submit,
    reviewer_profile_update,
    reviewer_respond,
)
from laureat.review.enums import AssignmentState, ReviewerState
from laureat.review.forms_reviewer import ProfileForm, ReasonForm, ScoreForm
from laureat.review.invitations import invitation_token, reviewer_from_token
from laureat.review.models import Assignment, Review, Reviewer, ReviewSettings
from laureat.review.queries import other_submitted_scores, reviewer_assignment, reviewer_workspace
from laureat.territories.models import Commune

ANONYMOUS_APPLICANT = gettext_lazy("Porteur anonymisé")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _settings_of(call: Call) -> ReviewSettings:
    cached = getattr(call, "review_settings", None)
    return cached if isinstance(cached, ReviewSettings) else review_settings_for(call)


def _applicant_name(application: Application, review_settings: ReviewSettings) -> str:
    if review_settings.anonymise_applicants:
        return str(ANONYMOUS_APPLICANT)
    return application.organisation.name


# --- invitation -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    reviewer = reviewer_from_token(token)
    if reviewer is None:
        return render(request, "review/reviewer/invitation_invalid.html", status=404)
    user = _user(request)
    if reviewer.user_id != user.pk:
        return render(request, "review/reviewer/invitation_other_user.html", status=403)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("accept", "decline"):
            error = _("Choisissez d'accepter ou de décliner l'invitation.")
        else:
            try:
                reviewer_respond(reviewer=reviewer, accept=action == "accept", by=user)
            except DomainError as exc:
                error = str(exc)
            else:
                if action == "accept":
                    messages.success(
                        request,
                        _("Merci ! Décrivez votre expertise pour recevoir les bons dossiers."),
                    )
                    return redirect("review:profile", slug=reviewer.call.slug)
                messages.info(request, _("Vous avez décliné l'invitation. Merci de votre réponse."))
                return redirect("review:workspace")
    return render(
        request,
        "review/reviewer/invitation.html",
        {
            "reviewer": reviewer,
            "call": reviewer.call,
            "review_settings": review_settings_for(reviewer.call),
            "answered": reviewer.state != ReviewerState.INVITED,
            "error": error,
        },
    )


# --- profile --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    reviewer = get_object_or_404(
        Reviewer.objects.select_related("call__programme", "region").exclude(
            state=ReviewerState.DECLINED
        ),
        call__slug=slug,
        user=user,
    )
    call = reviewer.call
    initial = {
        "themes": list(reviewer.themes.all()),
        "technologies": list(reviewer.technologies.all()),
        "expertise": reviewer.expertise,
        "region": reviewer.region,
    }
    form = ProfileForm(request.POST or None, call=call, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reviewer_profile_update(
                reviewer=reviewer,
                by=user,
                themes=data["themes"],
                technologies=data["technologies"],
                expertise=data["expertise"],
                region=data["region"],
            )
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Votre profil d'évaluateur est enregistré."))
            return redirect("review:profile", slug=call.slug)
    affiliations = list(reviewer.affiliations.order_by("name"))
    affiliated = {o.pk for o in affiliations}
    memberships = [
        o
        for o in Organisation.objects.filter(
            pk__in=Membership.objects.filter(user=user).values("organisation")
        ).order_by("name")
        if o.pk not in affiliated
    ]
    return render(
        request,
        "review/reviewer/profile.html",
        {
            "reviewer": reviewer,
            "call": call,
            "form": form,
            "error": error,
            "affiliations": affiliations,
            "proposed_affiliations": memberships,
        },
    )


# --- workspace ------------------------------------------------------------------------


@login_required
@require_safe
def workspace(request: HttpRequest) -> HttpResponse:
    calls, invitations = reviewer_workspace(_user(request))
    return render(
        request,
        "review/reviewer/workspace.html",
        {
            "calls": calls,
            "invitations": [(r, invitation_token(r)) for r in invitations],
            "anonymous_applicant": str(ANONYMOUS_APPLICANT),
        },
    )


# --- one assignment -------------------------------------------------------------------


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    """The user's own live assignment ``pk``, or 404 (declined, conflicted, someone else's)."""
    assignment = reviewer_assignment(request.user, pk)
    if (
        assignment is None
        or assignment.state == AssignmentState.DECLINED
        or not request.user.has_perm("review.review_application", assignment.application)
    ):
        raise Http404(_("Aucune évaluation accessible ne porte ce numéro."))
    return assignment


def _confirmed(request: HttpRequest, pk: int) -> Assignment | HttpResponse:
    assignment = _assignment(request, pk)
    if assignment.state != AssignmentState.CONFIRMED:
        messages.warning(
            request,
            _("Confirmez d'abord l'absence de conflit d'intérêts avec cette candidature."),
        )
        return redirect("review:assignment", pk=assignment.pk)
    return assignment


def _review_of(assignment: Assignment) -> Review | None:
    return Review.objects.filter(assignment=assignment).first()


def _refill_message(request: HttpRequest, run: AssignmentRun) -> None:
    if run.shortfall:
        messages.info(
            request,
            _(
                "Le gestionnaire du programme est prévenu : aucun autre évaluateur n'a pu "
                "être désigné pour l'instant."
            ),
        )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    user = _user(request)
    application = assignment.application
    call = assignment.reviewer.call
    review_settings = _settings_of(call)
    review = _review_of(assignment)
    submitted = review is not None and review.submitted_at is not None
    conflict_form = ReasonForm(prefix="conflict", label=_("Nature du conflit d'intérêts"))
    decline_form = ReasonForm(prefix="decline", label=_("Motif du refus"))
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                assignment_accept(assignment=assignment, by=user)
                messages.success(
                    request, _("Absence de conflit confirmée : vous pouvez lire le dossier.")
                )
                return redirect("review:read", pk=assignment.pk)
            if action == "conflict":
                conflict_form = ReasonForm(
                    request.POST, prefix="conflict", label=_("Nature du conflit d'intérêts")
                )
                if conflict_form.is_valid():
                    run = assignment_declare_conflict(
                        assignment=assignment,
                        by=user,
                        reason=conflict_form.cleaned_data["reason"],
                        base_url=_base_url(request),
                    )
                    messages.success(
                        request,
                        _("Conflit d'intérêts enregistré : ce dossier ne vous est plus confié."),
                    )
                    _refill_message(request, run)
                    return redirect("review:workspace")
            elif action == "decline":
                decline_form = ReasonForm(request.POST, prefix="decline", label=_("Motif du refus"))
                if decline_form.is_valid():
                    run = assignment_decline(
                        assignment=assignment,
                        by=user,
                        reason=decline_form.cleaned_data["reason"],
                        base_url=_base_url(request),
                    )
                    messages.success(
                        request, _("Évaluation déclinée : ce dossier ne vous est plus confié.")
                    )
                    _refill_message(request, run)
                    return redirect("review:workspace")
            else:
                error = _("Choisissez une des réponses proposées.")
        except DomainError as exc:
            error = str(exc)
    return render(
        request,
        "review/reviewer/assignment.html",
        {
            "assignment": assignment,
            "application": application,
            "call": call,
            "applicant_name": _applicant_name(application, review_settings),
            "confirmed": assignment.state == AssignmentState.CONFIRMED,
            "submitted": submitted,
            "conflict_form": conflict_form,
            "decline_form": decline_form,
            "error": error,
        },
    )


# --- reading the frozen file ----------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")
_HIDDEN = "[masqué]"


class _Scrubber:
    """Hides the applicant's identity in free text: organisation name and SIRET, the names
    of its members and of the person who submitted, email addresses and phone numbers."""

    def __init__(self, application: Application, submission: Submission, active: bool) -> None:
        self.active = active
        terms: set[str] = set()
        if active:
            organisation = application.organisation
            terms.update({organisation.name, organisation.siret, organisation.siren})
            people = [submission.by]
            people += [
                m.user for m in organisation.memberships.select_related("user").order_by("pk")
            ]
            for person in people:
                terms.add(f"{person.first_name} {person.last_name}".strip())
                terms.add(person.last_name)
        self.terms = sorted((t for t in terms if t and len(t) >= 3), key=len, reverse=True)

    def __call__(self, text: Any) -> Any:
        if not self.active or not isinstance(text, str):
            return text
        text = _EMAIL.sub(_HIDDEN, text)
        text = _PHONE.sub(_HIDDEN, text)
        for term in self.terms:
            text = re.sub(rf"(?<!\w){re.escape(term)}(?!\w)", _HIDDEN, text, flags=re.IGNORECASE)
        return text


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _snapshot_context(
    application: Application, submission: Submission, anonymise: bool
) -> dict[str, Any]:
    """What the reviewer reads: the last submission's frozen content, made displayable."""
    data = submission.snapshot
    scrub = _Scrubber(application, submission, anonymise)
    themes = dict(Theme.objects.filter(slug__in=data.get("themes", [])).values_list("slug", "name"))
    technologies = dict(
        Technology.objects.filter(slug__in=data.get("technologies", [])).values_list("slug", "name")
    )
    commune_data = data.get("commune")
    commune = None
    if commune_data:
        commune = (
            Commune.objects.select_related("department__region")
            .filter(code=commune_data.get("code"))
            .first()
        )
    funders = dict(Funder.objects.values_list("slug", "name"))
    expenses = [
        {
            "category": ExpenseCategory(e["category"]).label
            if e["category"] in ExpenseCategory.values
            else e["category"],
            "label": scrub(e.get("label", "")),
            "amount": Decimal(e["amount"]),
        }
        for e in data.get("expenses", [])
    ]
    resources = [
        {
            "origin": funders.get(r.get("funder") or "", r.get("funder"))
            if r.get("funder")
            else (ResourceKind(r["kind"]).label if r["kind"] in ResourceKind.values else r["kind"]),
            "label": scrub(r.get("label", "")),
            "amount": Decimal(r["amount"]),
        }
        for r in data.get("resources", [])
    ]
    files = {
        a.sha256: a
        for a in Attachment.objects.filter(
            application=application, reply__isnull=True, deleted_at__isnull=True
        )
    }
    attachments = [
        {
            "name": scrub(d.get("name", "")),
            "label": scrub(d.get("label", "")),
            "size": d.get("size"),
            "attachment": files.get(d.get("sha256", "")),
        }
        for d in data.get("attachments", [])
    ]
    organisation = data.get("organisation") or {}
    return {
        "snapshot": data,
        "reference": data.get("reference", application.reference),
        "organisation_name": str(ANONYMOUS_APPLICANT) if anonymise else organisation.get("name"),
        "organisation_siret": None if anonymise else organisation.get("siret"),
        "title": scrub(data.get("title", "")),
        "acronym": scrub(data.get("acronym", "")),
        "summary": scrub(data.get("summary", "")),
        "description": scrub(data.get("description", "")),
        "commune": commune,
        "commune_name": commune_data.get("name") if commune_data else None,
        "learners_targeted": data.get("learners_targeted"),
        "start_date": _iso_date(data.get("start_date")),
        "themes": [themes.get(s, s) for s in data.get("themes", [])],
        "technologies": [technologies.get(s, s) for s in data.get("technologies", [])],
        "answers": [
            (scrub(a.get("question", "")), scrub(display_answer(a.get("kind", ""), a.get("value"))))
            for a in data.get("answers", [])
        ],
        "expenses": expenses,
        "resources": resources,
        "total_expenses": sum((e["amount"] for e in expenses), Decimal(0)),
        "total_resources": sum((r["amount"] for r in resources), Decimal(0)),
        "attachments": attachments,
    }


@login_required
@require_safe
def read(request: HttpRequest, pk: int) -> HttpResponse:
    found = _confirmed(request, pk)
    if isinstance(found, HttpResponse):
        return found
    assignment = found
    application = assignment.application
    submission = application.submissions.select_related("by").order_by("-sequence").first()
    if submission is None:
        raise Http404(_("Cette candidature n'a pas encore été déposée."))
    review_settings = _settings_of(assignment.reviewer.call)
    context = {
        "assignment": assignment,
        "application": application,
        "call": assignment.reviewer.call,
        "submission": submission,
        "anonymise": review_settings.anonymise_applicants,
        **_snapshot_context(application, submission, review_settings.anonymise_applicants),
    }
    return render(request, "review/reviewer/read.html", context)


# --- scoring --------------------------------------------------------------------------


def _score_initial(review: Review | None) -> dict[str, Any]:
    if review is None:
        return {}
    initial: dict[str, Any] = {
        "overall_comment": review.overall_comment,
        "recommendation": review.recommendation,
    }
    for score in review.scores.all():
        initial[f"score_{score.criterion_id}"] = score.value
        initial[f"comment_{score.criterion_id}"] = score.comment
    return initial


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def score(request: HttpRequest, pk: int) -> HttpResponse:
    found = _confirmed(request, pk)
    if isinstance(found, HttpResponse):
        return found
    assignment = found
    user = _user(request)
    call = assignment.reviewer.call
    review_settings = _settings_of(call)
    criteria = list(call.criteria.order_by("position", "pk"))
    review = _review_of(assignment)
    submitting = request.method == "POST" and request.POST.get("action") == "submit"
    error = ""
    form = ScoreForm(
        request.POST if request.method == "POST" else None,
        criteria=criteria,
        submitting=submitting,
        initial=_score_initial(review),
    )
    locked = review is not None and review.submitted_at is not None
    if locked:
        form = ScoreForm(None, criteria=criteria, initial=_score_initial(review))
    if request.method == "POST" and not locked and form.is_valid():
        data = form.cleaned_data
        try:
            review = review_save(
                assignment=assignment,
                by=user,
                scores=form.scores(),
                overall_comment=(data.get("overall_comment") or "").strip(),
                recommendation=data.get("recommendation") or "",
            )
            if submitting:
                review_submit(review=review, by=user)
        except DomainError as exc:
            error = str(exc)
        else:
            if submitting:
                messages.success(request, _("Évaluation rendue. Merci !"))
            else:
                messages.success(request, _("Brouillon enregistré."))
            return redirect("review:score", pk=assignment.pk)
    elif request.method == "POST" and locked:
        error = _("L'évaluation est rendue : seul un gestionnaire du programme peut la rouvrir.")
    others = (
        other_submitted_scores(assignment) if locked and review_settings.show_other_scores else None
    )
    return render(
        request,
        "review/reviewer/score.html",
        {
            "assignment": assignment,
            "application": assignment.application,
            "call": call,
            "applicant_name": _applicant_name(assignment.application, review_settings),
            "form": form,
            "review": review,
            "locked": locked,
            "error": error,
            "others": others,
            "show_other_scores": review_settings.show_other_scores,
        },
    )


urlpatterns: list[URLPattern] = [
    path("evaluation/", workspace, name="workspace"),
    path("evaluation/invitation/<str:token>/", invitation, name="invitation"),
    path("evaluation/appels/<slug:slug>/profil/", profile, name="profile"),
    path("evaluation/affectations/<int:pk>/", assignment_page, name="assignment"),
    path("evaluation/affectations/<int:pk>/dossier/", read, name="read"),
    path("evaluation/affectations/<int:pk>/evaluation/", score, name="score"),
]
