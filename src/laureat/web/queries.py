"""Reads for the public pages: the prefetching is done once, here."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from laureat.applications.enums import FUNDED_STATES, SUBMITTED_STATES, ApplicationState
from laureat.programmes.enums import CallState, ProgrammeRoleKind
from laureat.programmes.models import Call, Criterion, Envelope, Programme

# What the public may see: everything but drafts (``programmes.rules.is_call_public``).
PUBLIC_CALL_STATES: frozenset[str] = frozenset(set(CallState.values) - {CallState.DRAFT})


def public_calls() -> QuerySet[Call]:
    """Published calls, each annotated with ``submitted_count`` (submitted applications)."""
    return (
        Call.objects.filter(state__in=PUBLIC_CALL_STATES)
        .annotate(
            submitted_count=Count(
                "applications", filter=Q(applications__state__in=SUBMITTED_STATES)
            )
        )
        .order_by("-opens_at", "pk")
    )


def programmes_with_public_calls() -> list[Programme]:
    """Programmes having at least one public call, each with ``public_calls`` (a list).

    Two queries whatever the number of programmes and calls: the programmes, then
    their public calls with the count of submitted applications.
    """
    has_public_call = Exists(
        Call.objects.filter(programme=OuterRef("pk"), state__in=PUBLIC_CALL_STATES)
    )
    return list(
        Programme.objects.filter(has_public_call)
        .order_by("name")
        .prefetch_related(Prefetch("calls", queryset=public_calls(), to_attr="public_calls"))
    )


def call_for_page(slug: str) -> Call | None:
    """A call with its programme, envelopes (funders, categories), criteria and themes.

    Drafts are returned too: whether the visitor may see one is for the view to ask
    (``programmes.view_call``). Five queries.
    """
    envelopes = Envelope.objects.select_related("funder").prefetch_related("categories")
    return (
        Call.objects.filter(slug=slug)
        .select_related("programme")
        .prefetch_related(
            Prefetch("envelopes", queryset=envelopes.order_by("-amount", "funder__name")),
            Prefetch("criteria", queryset=Criterion.objects.order_by("position", "pk")),
            "themes",
        )
        .first()
    )


@dataclass(frozen=True)
class CriterionShare:
    """A criterion with its weight as a share of the call's total weight, in percent."""

    criterion: Criterion
    percent: Decimal


def criteria_shares(call: Call) -> list[CriterionShare]:
    """The call's criteria (prefetched by ``call_for_page``) with their weight in percent."""
    criteria = list(call.criteria.all())
    total = sum((c.weight for c in criteria), Decimal(0))
    if total <= 0:
        return [CriterionShare(c, Decimal(0)) for c in criteria]
    return [
        CriterionShare(c, (c.weight * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP))
        for c in criteria
    ]


# --- the managers' side ----------------------------------------------------------


def managed_calls(user: Any) -> list[Call]:
    """The calls of the programmes ``user`` manages (every call for a superuser), newest
    first, each annotated with its number of applications in each stage. One query."""
    calls = Call.objects.select_related("programme")
    if not getattr(user, "is_superuser", False):
        calls = calls.filter(
            programme__roles__user=user, programme__roles__role=ProgrammeRoleKind.MANAGER
        )
    return list(
        calls.annotate(
            submitted_count=Count(
                "applications", filter=Q(applications__state__in=SUBMITTED_STATES)
            ),
            drafts_count=Count(
                "applications", filter=Q(applications__state=ApplicationState.DRAFT)
            ),
            to_check_count=Count(
                "applications", filter=Q(applications__state=ApplicationState.SUBMITTED)
            ),
            in_review_count=Count(
                "applications", filter=Q(applications__state=ApplicationState.IN_REVIEW)
            ),
            laureates_count=Count("applications", filter=Q(applications__state__in=FUNDED_STATES)),
        ).order_by("-opens_at", "pk")
    )
