"""The managers' entry point: the calls they manage, and each call's lifecycle at a glance.

Each stage (eligibility, review, selection, letters, public results) has its own pages in
its own app; this hub only counts and links.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from laureat.applications.queries import call_application_stats
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call
from laureat.web.queries import managed_calls


@dataclass(frozen=True)
class Section:
    title: str
    description: str
    url: str


# (title, description, URL name): the stages in the order of the lifecycle.
SECTIONS = (
    (
        gettext_lazy("Recevabilité"),
        gettext_lazy("Règles d'éligibilité, rapports automatiques, décisions de recevabilité."),
        "eligibility:manage",
    ),
    (
        gettext_lazy("Évaluation"),
        gettext_lazy(
            "Vivier d'évaluateurs, conflits d'intérêts, affectations, avancement, classement."
        ),
        "review:manage",
    ),
    (
        gettext_lazy("Sélection et délibération"),
        gettext_lazy(
            "Politique de sélection, proposition optimisée, séances du comité, publication."
        ),
        "selection:manage",
    ),
    (
        gettext_lazy("Courriers de décision"),
        gettext_lazy("Lettres de décision et messages, prévisualisés avant envoi."),
        "notifications:outbox",
    ),
)


def _sections(call: Call) -> list[Section]:
    sections = [
        Section(str(title), str(description), reverse(name, kwargs={"slug": call.slug}))
        for title, description, name in SECTIONS
    ]
    if call.state == CallState.RESULTS_PUBLISHED:
        sections.append(
            Section(
                _("Résultats publics"),
                _("La page publique des résultats, sa carte et ses données."),
                reverse("reporting:call_results", kwargs={"slug": call.slug}),
            )
        )
    return sections


@login_required
@require_safe
def manage_home(request: HttpRequest) -> HttpResponse:
    calls = managed_calls(request.user)
    if not calls and not request.user.is_superuser:
        raise PermissionDenied(_("Vous ne gérez aucun programme."))
    return render(request, "web/manage_home.html", {"calls": calls})


@login_required
@require_safe
def manage_call(request: HttpRequest, slug: str) -> HttpResponse:
    call = Call.objects.select_related("programme").filter(slug=slug).first()
    if call is None:
        raise Http404(_("Aucun appel à projets ne porte cet identifiant."))
    if not request.user.has_perm("programmes.manage_programme", call):
        raise PermissionDenied(_("Seuls les gestionnaires du programme gèrent cet appel."))
    context = {
        "call": call,
        "phase": call.phase(),
        "stats": call_application_stats(call),
        "sections": _sections(call),
    }
    return render(request, "web/manage_call.html", context)
