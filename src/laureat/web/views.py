"""Public pages: the home page (programmes and their calls) and a call's page."""

from dataclasses import dataclass
from datetime import date, datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from laureat.applications.queries import call_application_stats
from laureat.core.money import money_sum
from laureat.programmes.models import Call
from laureat.web.queries import call_for_page, criteria_shares, programmes_with_public_calls


@dataclass(frozen=True)
class TimelineStep:
    label: str
    when: datetime | date
    with_time: bool
    done: bool


def call_timeline(call: Call, now: datetime) -> list[TimelineStep]:
    """Opening, closing and (when known) results, each marked done once its date is past."""
    steps = [
        TimelineStep(_("Ouverture des candidatures"), call.opens_at, False, call.opens_at <= now),
        TimelineStep(_("Clôture des candidatures"), call.closes_at, True, call.closes_at <= now),
    ]
    if call.results_at is not None:
        today = timezone.localdate(now)
        steps.append(
            TimelineStep(
                _("Annonce des résultats"), call.results_at, False, call.results_at <= today
            )
        )
    return steps


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"programmes": programmes_with_public_calls()})


@require_safe
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = call_for_page(slug)
    # A draft is previewed by its managers; to anyone else it does not exist.
    if call is None or not request.user.has_perm("programmes.view_call", call):
        raise Http404(_("Aucun appel à projets publié ne porte cet identifiant."))
    now = timezone.now()
    envelopes = list(call.envelopes.all())
    home_url = reverse("web:home")
    context = {
        "call": call,
        "phase": call.phase(now),
        "timeline": call_timeline(call, now),
        "envelopes": envelopes,
        "envelopes_total": money_sum(e.amount for e in envelopes),
        "criteria": criteria_shares(call),
        "themes": list(call.themes.all()),
        "stats": call_application_stats(call),
        "breadcrumb": {
            "root_dir": home_url,
            "links": [{"url": f"{home_url}#appels", "title": call.programme.name}],
            "current": call.title,
        },
    }
    return render(request, "web/call_detail.html", context)
