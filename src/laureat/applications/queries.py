"""Reads for applications: the prefetching is done once, here."""

from django.db.models import Count, Q, QuerySet

from laureat.accounts.models import User
from laureat.applications.budget import BudgetSummary, Expense, Resource, summarise_budget
from laureat.applications.enums import SUBMITTED_STATES
from laureat.applications.models import Application
from laureat.programmes.models import Call


def applications_of_user(user: User) -> QuerySet[Application]:
    """The applications of the organisations ``user`` belongs to, and those they co-edit."""
    return (
        Application.objects.filter(
            Q(organisation__memberships__user=user) | Q(collaborators__user=user)
        )
        .distinct()
        .select_related("call", "organisation", "commune__department__region")
        .order_by("-updated_at")
    )


def submitted_applications(call: Call) -> QuerySet[Application]:
    return Application.objects.filter(call=call, state__in=SUBMITTED_STATES)


def submitted_counts_by_call() -> dict[int, int]:
    """Number of submitted applications per call id, in one query."""
    rows = (
        Application.objects.filter(state__in=SUBMITTED_STATES)
        .values("call_id")
        .annotate(n=Count("id"))
    )
    return {row["call_id"]: row["n"] for row in rows}


def call_application_stats(call: Call) -> dict[str, int]:
    """Submitted applications of a call, and the regions and overseas regions they come from."""
    return submitted_applications(call).aggregate(
        applications=Count("id"),
        regions=Count("commune__department__region", distinct=True),
        overseas_regions=Count(
            "commune__department__region",
            distinct=True,
            filter=Q(commune__department__region__overseas=True),
        ),
    )


def application_budget(application: Application) -> BudgetSummary:
    """The budget summary of one application, checked against its call's envelopes."""
    envelopes = application.call.envelopes.select_related("funder").prefetch_related("categories")
    funded = {e.funder_id: frozenset(e.category_values) for e in envelopes}
    names = {e.funder_id: str(e.funder) for e in envelopes}
    limits = {e.funder_id: e.amount for e in envelopes}
    return summarise_budget(
        [Expense(b.category, b.amount, b.label) for b in application.budget_lines.all()],
        [
            Resource(r.kind, r.amount, r.funder_id, r.label)
            for r in application.resource_lines.all()
        ],
        funded_categories=funded,
        funder_names=names,
        funder_limits=limits,
    )
