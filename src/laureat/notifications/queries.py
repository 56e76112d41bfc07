"""Reads for the outbox and the letters: recipients, score summaries, message lists."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean

from django.db.models import Count, QuerySet

from laureat.applicants.models import ApplicationCollaborator, Membership
from laureat.applications.models import Application
from laureat.notifications.enums import MessageKind, MessageState
from laureat.notifications.models import NotificationSettings, OutboxMessage
from laureat.programmes.models import Call
from laureat.review.models import Score
from laureat.review.queries import call_ranking
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision


def notification_settings_of(call: Call) -> NotificationSettings:
    """The call's settings, unsaved defaults when the manager has set none (a read never writes)."""
    found = NotificationSettings.objects.filter(call=call).first()
    return found or NotificationSettings(call=call)


def application_recipients(application: Application) -> list[str]:
    """Active members of the organisation and the application's collaborators, sorted, unique."""
    members = Membership.objects.filter(
        organisation_id=application.organisation_id, user__is_active=True
    ).values_list("user__email", flat=True)
    collaborators = ApplicationCollaborator.objects.filter(
        application=application, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted({email.strip().lower() for email in [*members, *collaborators] if email})


@dataclass(frozen=True)
class CriterionMean:
    name: str
    mean: Decimal
    scale_max: int


@dataclass(frozen=True)
class ScoreSummary:
    """What a not-selected applicant may learn of the scores: no reviewer, no other project."""

    score: Decimal  # the application's mean weighted score, on 20
    cutoff: Decimal | None  # the lowest score among the laureates, on 20
    reviews: int
    criteria: tuple[CriterionMean, ...]


def _two(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def call_score_summaries(call: Call) -> dict[int, ScoreSummary]:
    """The score summary of every reviewed application of the call, by application id.

    A handful of queries whatever the number of applications.
    """
    ranking = call_ranking(call)
    if not ranking:
        return {}
    laureates = set(
        Decision.objects.filter(
            application__call=call, outcome=DecisionOutcome.LAUREATE
        ).values_list("application_id", flat=True)
    )
    laureate_scores = [row.score for row in ranking if row.application_id in laureates]
    cutoff = _two(min(laureate_scores)) if laureate_scores else None
    criteria = list(call.criteria.all())
    marks: dict[tuple[int, int], list[float]] = defaultdict(list)
    for application_id, criterion_id, value in Score.objects.filter(
        review__assignment__application__call=call, review__submitted_at__isnull=False
    ).values_list("review__assignment__application_id", "criterion_id", "value"):
        marks[(application_id, criterion_id)].append(float(value))
    out = {}
    for row in ranking:
        out[row.application_id] = ScoreSummary(
            score=_two(row.score),
            cutoff=cutoff,
            reviews=row.aggregate.count,
            criteria=tuple(
                CriterionMean(c.name, _two(fmean(marks[(row.application_id, c.pk)])), c.scale_max)
                for c in criteria
                if marks.get((row.application_id, c.pk))
            ),
        )
    return out


def outbox_messages(call: Call, *, kind: str = "", state: str = "") -> QuerySet[OutboxMessage]:
    """The call's messages, filtered, without the PDF bytes, for the outbox list."""
    messages = (
        OutboxMessage.objects.filter(call=call)
        .select_related("application__organisation", "sent_by")
        .defer("attachment", "body")
        .order_by("kind", "application__reference", "id")
    )
    if kind in MessageKind.values:
        messages = messages.filter(kind=kind)
    if state in MessageState.values:
        messages = messages.filter(state=state)
    return messages


def outbox_counts(call: Call) -> dict[str, int]:
    """Number of messages of the call in each state (every state present, 0 when none)."""
    counts = dict.fromkeys(MessageState.values, 0)
    for row in (
        OutboxMessage.objects.filter(call=call).order_by().values("state").annotate(n=Count("id"))
    ):
        counts[row["state"]] = row["n"]
    return counts


def sent_letters_for(application: Application) -> QuerySet[OutboxMessage]:
    """The decision letters sent for ``application`` (what its applicants may download)."""
    return (
        OutboxMessage.objects.filter(application=application, state=MessageState.SENT)
        .exclude(attachment_name="")
        .defer("attachment", "body")
        .order_by("-sent_at")
    )
