"""Builders for published results: decisions written directly, as the publication leaves them.

The deliberation and the "publish all decisions" domain function are built elsewhere;
these builders set the end state a results page reads: the call in
RESULTS_PUBLISHED, applications in their decided state, decisions with
``published_at`` and their awards.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call, Funder, Technology, Theme
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision, DecisionAward
from tests.factories import ApplicationFactory, OrganisationFactory, commune

OUTCOME_STATES = {
    DecisionOutcome.LAUREATE: ApplicationState.LAUREATE,
    DecisionOutcome.WAITING_LIST: ApplicationState.WAITING_LIST,
    DecisionOutcome.REJECTED: ApplicationState.REJECTED,
}


def publish_results(call: Call) -> Call:
    call.state = CallState.RESULTS_PUBLISHED
    call.save(update_fields=["state"])
    return call


def decided_application(
    call: Call,
    *,
    outcome: str = DecisionOutcome.LAUREATE,
    commune_code: str = "71076",
    awards: Mapping[Funder, str] | None = None,
    published: bool = True,
    organisation_name: str | None = None,
    kind: str = OrganisationKind.COMPANY,
    title: str | None = None,
    themes: Sequence[Theme] = (),
    technologies: Sequence[Technology] = (),
    published_at: datetime | None = None,
    waiting_rank: int | None = None,
) -> Application:
    """An application of ``call`` with a decision (published unless ``published=False``).

    A pending decision leaves the application in review, as before publication.
    """
    org_fields: dict[str, object] = {"kind": kind}
    if organisation_name:
        org_fields["name"] = organisation_name
    app_fields: dict[str, object] = {}
    if title:
        app_fields["title"] = title
    state = OUTCOME_STATES[DecisionOutcome(outcome)] if published else ApplicationState.IN_REVIEW
    application = ApplicationFactory(
        call=call,
        organisation=OrganisationFactory(**org_fields),
        commune=commune(commune_code),
        state=state,
        **app_fields,
    )
    application.themes.set(themes)
    application.technologies.set(technologies)
    if outcome == DecisionOutcome.WAITING_LIST and waiting_rank is None:
        waiting_rank = 1
    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        waiting_rank=waiting_rank,
        published_at=(published_at or timezone.now()) if published else None,
    )
    for funder, amount in (awards or {}).items():
        DecisionAward.objects.create(decision=decision, funder=funder, amount=Decimal(amount))
    return application
