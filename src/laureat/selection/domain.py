"""Selection from the database: load a call, solve with the pure optimiser, keep the run.

``selection_build`` reads the call's policy (``SelectionSettings``), the reviewed
applications (scores from ``review.queries.call_ranking``, on 20), their region and
their requests to each co-funder, and solves. ``selection_save`` keeps the proposal
as a ``SelectionRun`` for the committee; decisions are recorded separately.
"""

import hashlib
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from laureat.accounts.models import User
from laureat.applications.domain import application_transition
from laureat.applications.enums import ApplicationState, ResourceKind
from laureat.applications.models import Application, ResourceLine
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.money import ZERO, format_eur, money_sum, to_money
from laureat.documents.detect import ACCEPTED_LABELS, detect_file_type
from laureat.documents.domain import format_megabytes, max_upload_bytes, sanitise_filename
from laureat.documents.scan import scan_file
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call, Envelope
from laureat.review.queries import call_ranking
from laureat.selection.enums import DecisionOutcome
from laureat.selection.explain import explanation_text
from laureat.selection.models import (
    CommitteeMeeting,
    Decision,
    DecisionAward,
    MeetingAttachment,
    SelectionRun,
    SelectionSettings,
)
from laureat.selection.optimiser import (
    ConstraintRef,
    Objective,
    ScoreScale,
    SelectionInfeasible,
    SelectionProblem,
    SelectionResult,
    solve_selection,
)
from laureat.territories.models import Region

# Applications the committee may select (an ineligible one is listed, never selected).
SELECTABLE_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.ELIGIBLE,
    ApplicationState.IN_REVIEW,
)
CONSIDERED_STATES = (*SELECTABLE_STATES, ApplicationState.INELIGIBLE)


def selection_settings_for(call: Call) -> SelectionSettings:
    selection_settings, _created = SelectionSettings.objects.get_or_create(call=call)
    return selection_settings


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class SelectionRunData:
    call: Call
    problem: SelectionProblem
    result: SelectionResult
    funder_slugs: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        result = self.result
        selected = [int(i) for i in result.selected_ids]
        per_funder = {
            slug: round(result.totals_per_funder[name], 2)
            for slug, name in zip(self.funder_slugs, self.problem.funders, strict=True)
        }
        return {
            "call": self.call.slug,
            "objective_kind": str(self.problem.objective),
            "score_scale": str(self.problem.score_scale),
            "selected": selected,
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "status": str(result.status),
            "budget": self.problem.budget,
            "awarded_total": round(float(np.sum(result.awards)), 2),
            "per_funder": per_funder,
            "per_region": {
                code: {"count": total.count, "amount": round(total.amount, 2)}
                for code, total in sorted(result.totals_per_region.items())
                if total.count
            },
            "explanations": {
                str(app_id): {
                    "code": str(explanation.code),
                    "message": explanation.message,
                    "score": explanation.score,
                    "needed_score": explanation.needed_score,
                    "award": round(explanation.award, 2),
                    "rank": explanation.rank,
                    "of": explanation.of,
                    "fraction": round(explanation.fraction, 6),
                    "needed_computed": explanation.needed_computed,
                    "blocked_by": list(explanation.blocked_by),
                    "left": [round(value, 2) for value in explanation.left],
                    "asked": round(explanation.asked, 2),
                    "region": explanation.region,
                    "min_score": explanation.min_score,
                }
                for app_id, explanation in sorted(result.explanations.items())
            },
            "baseline": {
                "kind": result.baseline.kind,
                "selected": [int(i) for i in result.baseline.selected_ids],
                "objective": result.baseline.objective,
            },
            "diff": {
                "entered": [int(i) for i in result.diff.entered],
                "left": [int(i) for i in result.diff.left],
                "score_gained": result.diff.score_gained,
                "regions_covered": result.diff.regions_covered,
                "baseline_regions_covered": result.diff.baseline_regions_covered,
            },
            "seconds": round(result.seconds, 4),
            # Per laureate and funder (slug): what the optimiser awards, in euros.
            "awards": {
                str(int(app_id)): {
                    slug: round(float(result.awards[i, f]), 2)
                    for f, slug in enumerate(self.funder_slugs)
                    if result.awards[i, f] > 0
                }
                for i, app_id in enumerate(self.problem.ids.tolist())
                if result.fraction[i] > 0
            },
            "forced_in": sorted(self.problem.forced_in),
            "forced_out": sorted(self.problem.forced_out),
        }


def _describe_constraint(ref: ConstraintRef, references: dict[int, str]) -> str:
    """A constraint of the optimiser's infeasibility report, in the user's language."""
    if ref.kind in ("region_floor", "region_cap_count", "region_cap_share"):
        region = Region.objects.filter(code=str(ref.subject)).first()
        name = region.name if region is not None else str(ref.subject)
        if ref.kind == "region_floor":
            return ngettext(
                "au moins %(n)d lauréat en %(region)s",
                "au moins %(n)d lauréats en %(region)s",
                int(ref.bound),
            ) % {"n": int(ref.bound), "region": name}
        if ref.kind == "region_cap_count":
            return ngettext(
                "au plus %(n)d lauréat en %(region)s",
                "au plus %(n)d lauréats en %(region)s",
                int(ref.bound),
            ) % {"n": int(ref.bound), "region": name}
        return _("au plus %(amount)s pour %(region)s (part maximale du budget)") % {
            "amount": format_eur(to_money(str(round(ref.bound, 2)))),
            "region": name,
        }
    if ref.kind == "budget":
        return _("le budget de l'appel (%s)") % format_eur(to_money(str(round(ref.bound, 2))))
    if ref.kind == "envelope":
        return _("l'enveloppe de %(funder)s (%(amount)s)") % {
            "funder": ref.subject,
            "amount": format_eur(to_money(str(round(ref.bound, 2)))),
        }
    reference = references.get(int(ref.subject or 0), str(ref.subject))
    if ref.kind == "forced_in":
        return _("%s retenue d'office") % reference
    if ref.kind == "forced_out":
        return _("%s écartée d'office") % reference
    if ref.kind == "forced_in_ineligible":
        return _("%s retenue d'office alors qu'elle n'est pas sélectionnable") % reference
    return ref.kind


def selection_build(
    *, call: Call, forced_in: frozenset[int] = frozenset(), forced_out: frozenset[int] = frozenset()
) -> SelectionRunData:
    """Solve the call's selection with its policy. Raises ``DomainError`` with the
    optimiser's message when the constraints conflict, or when nothing can be selected."""
    policy = selection_settings_for(call)
    envelopes = list(call.envelopes.select_related("funder").order_by("funder__slug"))
    if not envelopes:
        raise DomainError(_("L'appel n'a pas d'enveloppe de cofinanceur : rien à répartir."))
    scores = {row.application_id: row.score for row in call_ranking(call)}
    applications = list(
        Application.objects.filter(call=call, state__in=CONSIDERED_STATES)
        .select_related("commune__department")
        .order_by("pk")
    )
    if not applications:
        raise DomainError(_("Aucune candidature déposée dans cet appel."))
    index = {a.pk: i for i, a in enumerate(applications)}
    funder_index = {e.funder_id: f for f, e in enumerate(envelopes)}
    requests = np.zeros((len(applications), len(envelopes)))
    for application_id, funder_id, amount in ResourceLine.objects.filter(
        application__in=applications, kind=ResourceKind.FUNDER
    ).values_list("application_id", "funder_id", "amount"):
        if funder_id in funder_index:
            requests[index[application_id], funder_index[funder_id]] += float(amount)
    problem = SelectionProblem(
        ids=np.array([a.pk for a in applications]),
        scores=np.array([scores.get(a.pk, 0.0) for a in applications]),
        regions=np.array(
            [a.commune.department.region_id if a.commune else "" for a in applications]
        ),
        requests=requests,
        eligible=np.array([a.state in SELECTABLE_STATES and a.pk in scores for a in applications]),
        budget=float(call.budget),
        envelopes=np.array([float(e.amount) for e in envelopes]),
        funders=tuple(str(e.funder) for e in envelopes),
        objective=Objective(policy.objective),
        score_scale=ScoreScale(policy.score_scale),
        min_score=_optional(policy.min_score),
        region_floor=policy.region_floor,
        region_floor_score=_optional(policy.region_floor_score),
        region_cap_count=policy.region_cap_count,
        region_cap_share=_optional(policy.region_cap_share),
        forced_in=forced_in,
        forced_out=forced_out,
        partial_min=_optional(policy.partial_min),
    )
    try:
        result = solve_selection(problem)
    except SelectionInfeasible as error:
        references = {a.pk: a.reference for a in applications}
        described = [_describe_constraint(ref, references) for ref in error.constraints]
        raise DomainError(
            _(
                "Aucune sélection ne respecte toutes les contraintes. Ces contraintes "
                "s'opposent (assouplissez-en au moins une) : %s."
            )
            % "; ".join(described or [str(error)]),
            code="infeasible",
        ) from error
    return SelectionRunData(
        call=call,
        problem=problem,
        result=result,
        funder_slugs=tuple(e.funder.slug for e in envelopes),
    )


@transaction.atomic
def selection_save(*, run: SelectionRunData, by: User | None) -> SelectionRun:
    """Keep a proposal. Side effects: a SelectionRun; audit entry ``selection.run``."""
    data = run.as_json()
    record = SelectionRun.objects.create(call=run.call, by=by, result=data)
    log_action(
        actor=by,
        action="selection.run",
        obj=run.call,
        data={
            "selected": len(data["selected"]),
            "objective": data["objective"],
            "gap": data["gap"],
            "run": record.pk,
        },
    )
    return record


# --------------------------------------------------------------------------- policy

#: The policy fields a manager sets (``selection_settings_update``).
SETTINGS_FIELDS = (
    "objective",
    "score_scale",
    "min_score",
    "region_floor",
    "region_floor_score",
    "region_cap_count",
    "region_cap_share",
    "partial_min",
)
#: Applications that receive a decision: those the optimiser may select.
DECIDABLE_STATES = SELECTABLE_STATES


def _check_not_published(call: Call) -> None:
    if call.state == CallState.RESULTS_PUBLISHED:
        raise DomainError(
            _("Les résultats de l'appel sont publiés : la sélection ne peut plus changer."),
            code="published",
        )


def _decimal(value: Any, places: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = str(value)
    try:
        return Decimal(value).quantize(Decimal(places))
    except (InvalidOperation, TypeError, ValueError) as error:
        raise DomainError(_("« %s » n'est pas un nombre.") % value) from error


def _optional_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise DomainError(_("« %s » n'est pas un nombre entier.") % value) from error


@transaction.atomic
def selection_settings_update(*, call: Call, by: User | None, **values: Any) -> SelectionSettings:
    """Change the call's selection policy (only the fields given).

    Refused (``DomainError`` listing every problem) on an unknown field, a value out
    of range, a regional minimum above the regional maximum, or once results are
    published. Side effects: the ``SelectionSettings`` row; audit entry
    ``selection.settings_update`` with the changed fields.
    """
    _check_not_published(call)
    unknown = sorted(set(values) - set(SETTINGS_FIELDS))
    if unknown:
        raise DomainError(_("Paramètres de sélection inconnus : %s.") % ", ".join(unknown))
    policy = SelectionSettings.objects.select_for_update().get(pk=selection_settings_for(call).pk)
    errors: list[str] = []
    clean: dict[str, Any] = {}
    twenty = Decimal("20")
    for name, value in values.items():
        if name == "objective":
            if value not in Objective.__members__.values():
                errors.append(_("Choisissez un objectif dans la liste."))
            clean[name] = str(value)
        elif name == "score_scale":
            if value not in ScoreScale.__members__.values():
                errors.append(_("Choisissez des scores bruts ou normalisés."))
            clean[name] = str(value)
        elif name in ("min_score", "region_floor_score"):
            number = _decimal(value, "0.01")
            if number is not None and not Decimal(0) <= number <= twenty:
                errors.append(_("Un score se donne entre 0 et 20 (reçu : %s).") % number)
            clean[name] = number
        elif name in ("region_floor", "region_cap_count"):
            integer = _optional_int(value)
            if name == "region_floor" and integer is None:
                integer = 0
            if integer is not None and not 0 <= integer <= 1000:
                errors.append(
                    _("Un nombre de lauréats se donne entre 0 et 1000 (reçu : %s).") % integer
                )
            clean[name] = integer
        else:  # region_cap_share, partial_min: shares of 1
            share = _decimal(value, "0.001")
            if share is not None and not Decimal(0) < share <= Decimal(1):
                errors.append(
                    _("Une part se donne entre 0 et 100 %% (reçu : %s %%).")
                    % (share * 100).quantize(Decimal("0.1"))
                )
            clean[name] = share
    floor = clean.get("region_floor", policy.region_floor)
    cap = clean.get("region_cap_count", policy.region_cap_count)
    if cap is not None and floor is not None and floor > cap:
        errors.append(
            _(
                "Le minimum de lauréats par région (%(floor)s) dépasse le maximum par région "
                "(%(cap)s)."
            )
            % {"floor": floor, "cap": cap}
        )
    if errors:
        raise DomainError(" ".join(errors))
    changed: dict[str, str | None] = {}
    for name, value in clean.items():
        if getattr(policy, name) != value:
            setattr(policy, name, value)
            changed[name] = None if value is None else str(value)
    if changed:
        policy.save()
        log_action(actor=by, action="selection.settings_update", obj=call, data=changed)
    return policy


#: What ``selection_force`` accepts: force in, force out, or let the optimiser decide.
FORCE_CHOICES = ("in", "out", "none")


@transaction.atomic
def selection_force(
    *, call: Call, application: Application, choice: str, by: User | None
) -> SelectionSettings:
    """Force an application into or out of the next proposal, or lift the forcing.

    Side effects: ``SelectionSettings.forced_in`` / ``forced_out``; audit entry
    ``selection.force``.
    """
    _check_not_published(call)
    if choice not in FORCE_CHOICES:
        raise DomainError(_("Choix inconnu : retenir, écarter ou laisser décider."))
    if application.call_id != call.pk or application.state not in CONSIDERED_STATES:
        raise DomainError(_("Cette candidature n'est pas en lice dans cet appel."))
    if choice == "in" and application.state == ApplicationState.INELIGIBLE:
        raise DomainError(_("Une candidature irrecevable ne peut pas être retenue d'office."))
    policy = SelectionSettings.objects.select_for_update().get(pk=selection_settings_for(call).pk)
    forced_in = [i for i in policy.forced_in if i != application.pk]
    forced_out = [i for i in policy.forced_out if i != application.pk]
    if choice == "in":
        forced_in.append(application.pk)
    elif choice == "out":
        forced_out.append(application.pk)
    policy.forced_in = sorted(forced_in)
    policy.forced_out = sorted(forced_out)
    policy.save(update_fields=["forced_in", "forced_out", "updated_at"])
    log_action(
        actor=by,
        action="selection.force",
        obj=call,
        data={"application": application.pk, "choice": choice},
    )
    return policy


def selection_compute(*, call: Call, by: User | None) -> SelectionRun:
    """Solve with the call's policy and forced choices, and keep the proposal.

    Raises ``DomainError`` (the optimiser's message) when the constraints conflict.
    Side effects: a ``SelectionRun``; audit entry ``selection.run``.
    """
    _check_not_published(call)
    policy = selection_settings_for(call)
    known = set(
        Application.objects.filter(call=call, state__in=CONSIDERED_STATES).values_list(
            "pk", flat=True
        )
    )
    run = selection_build(
        call=call,
        forced_in=frozenset(policy.forced_in) & known,
        forced_out=frozenset(policy.forced_out) & known,
    )
    return selection_save(run=run, by=by)


# --------------------------------------------------------------------------- meetings


def meeting_member_choices(call: Call) -> QuerySet[User]:
    """Who may sit on the committee: the programme's people and the call's reviewer pool."""
    return (
        User.objects.filter(
            Q(programme_roles__programme_id=call.programme_id) | Q(reviewer_roles__call=call)
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def quorum_reached(meeting: CommitteeMeeting) -> bool:
    return meeting.members.count() >= meeting.quorum


def _check_meeting_fields(call: Call, *, quorum: int, members: Sequence[User], place: str) -> None:
    if quorum < 1:
        raise DomainError(_("Le quorum est d'au moins un membre présent."))
    allowed = set(meeting_member_choices(call).values_list("pk", flat=True))
    strangers = [str(m) for m in members if m.pk not in allowed]
    if strangers:
        raise DomainError(
            _(
                "Ces personnes ne font partie ni du programme ni du vivier d'évaluateurs "
                "de l'appel : %s."
            )
            % ", ".join(strangers)
        )
    if len(place) > 300:
        raise DomainError(_("Le lieu tient en 300 caractères au plus."))


def _check_meeting_open(meeting: CommitteeMeeting) -> None:
    if meeting.closed_at is not None:
        raise DomainError(_("La séance est close : elle ne peut plus être modifiée."))


@transaction.atomic
def meeting_create(
    *,
    call: Call,
    by: User | None,
    held_on: datetime,
    place: str = "",
    members: Iterable[User] = (),
    quorum: int = 1,
    minutes: str = "",
) -> CommitteeMeeting:
    """Record a committee meeting of ``call``: date, place, members present, quorum.

    Side effects: a ``CommitteeMeeting``; audit entry ``selection.meeting_create``.
    """
    members = list(members)
    _check_meeting_fields(call, quorum=quorum, members=members, place=place)
    meeting = CommitteeMeeting.objects.create(
        call=call,
        held_on=held_on,
        place=place.strip(),
        quorum=quorum,
        minutes=minutes.strip(),
        created_by=by,
    )
    meeting.members.set(members)
    log_action(
        actor=by,
        action="selection.meeting_create",
        obj=meeting,
        data={"call": call.slug, "members": len(members), "quorum": quorum},
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: CommitteeMeeting,
    by: User | None,
    held_on: datetime,
    place: str,
    members: Iterable[User],
    quorum: int,
    minutes: str,
) -> CommitteeMeeting:
    """Change a meeting that is not closed.

    Side effects: audit entry ``selection.meeting_update``."""
    meeting = CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
    _check_meeting_open(meeting)
    members = list(members)
    _check_meeting_fields(meeting.call, quorum=quorum, members=members, place=place)
    meeting.held_on = held_on
    meeting.place = place.strip()
    meeting.quorum = quorum
    meeting.minutes = minutes.strip()
    meeting.save()
    meeting.members.set(members)
    log_action(
        actor=by,
        action="selection.meeting_update",
        obj=meeting,
        data={"members": len(members), "quorum": quorum},
    )
    return meeting


@transaction.atomic
def meeting_attachment_add(
    *, meeting: CommitteeMeeting, by: User | None, upload: Any, label: str = ""
) -> MeetingAttachment:
    """Attach a file to a meeting (signed minutes, slides), checked as documents are:
    size limit, type from the content, SHA-256, virus scan.

    Side effects: a file under MEDIA_ROOT/committee/; audit entry
    ``selection.meeting_attachment_add``.
    """
    shown = sanitise_filename(getattr(upload, "name", "") or "")
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    too_large = _("Le fichier « %(name)s » dépasse la taille maximale autorisée (%(limit)s).") % {
        "name": shown,
        "limit": format_megabytes(limit),
    }
    if size is not None and size > limit:
        raise DomainError(too_large, code="too_large")
    file_type = detect_file_type(upload)
    if file_type is None:
        raise DomainError(
            _(
                "Le fichier « %(name)s » n'est pas d'un type accepté (formats acceptés : "
                "%(types)s). Son contenu compte, pas son extension."
            )
            % {"name": shown, "types": ACCEPTED_LABELS},
            code="type",
        )
    digest = hashlib.sha256()
    total = 0
    with tempfile.NamedTemporaryFile(prefix="laureat-committee-") as temporary:
        upload.seek(0)
        while chunk := upload.read(64 * 1024):
            total += len(chunk)
            if total > limit:
                raise DomainError(too_large, code="too_large")
            digest.update(chunk)
            temporary.write(chunk)
        temporary.flush()
        if total == 0:
            raise DomainError(_("Le fichier « %s » est vide.") % shown, code="empty")
        scan_file(Path(temporary.name), name=shown)
        temporary.seek(0)
        attachment = MeetingAttachment(
            meeting=meeting,
            original_name=shown,
            label=label.strip()[:200],
            content_type=file_type.content_type,
            size=total,
            sha256=digest.hexdigest(),
            uploaded_by=by,
        )
        attachment.file.save(shown, File(temporary), save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    log_action(
        actor=by,
        action="selection.meeting_attachment_add",
        obj=meeting,
        data={
            "attachment": attachment.pk,
            "name": shown,
            "content_type": attachment.content_type,
            "size": total,
            "sha256": attachment.sha256,
        },
    )
    return attachment


@transaction.atomic
def meeting_close(
    *, meeting: CommitteeMeeting, by: User | None, now: datetime | None = None
) -> CommitteeMeeting:
    """Close a meeting; refused while the quorum is not met.

    Side effects: ``closed_at``; audit entry ``selection.meeting_close``.
    """
    meeting = CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
    _check_meeting_open(meeting)
    present = meeting.members.count()
    if present < meeting.quorum:
        raise DomainError(
            _(
                "Le quorum n'est pas atteint : %(present)s membre(s) présent(s) pour "
                "%(quorum)s requis. La séance ne peut pas être close."
            )
            % {"present": present, "quorum": meeting.quorum},
            code="quorum",
        )
    meeting.closed_at = now or timezone.now()
    meeting.save(update_fields=["closed_at", "updated_at"])
    log_action(actor=by, action="selection.meeting_close", obj=meeting, data={"present": present})
    return meeting


def meeting_adjustments(meeting: CommitteeMeeting) -> tuple[frozenset[int], frozenset[int]]:
    """The committee's changes to the loaded proposal, as (forced in, forced out) ids."""
    forced_in: set[int] = set()
    forced_out: set[int] = set()
    for application_id, outcome, proposed in Decision.objects.filter(
        application__call_id=meeting.call_id, published_at__isnull=True
    ).values_list("application_id", "outcome", "proposed_outcome"):
        if outcome == DecisionOutcome.LAUREATE and proposed != DecisionOutcome.LAUREATE:
            forced_in.add(application_id)
        elif outcome != DecisionOutcome.LAUREATE and proposed == DecisionOutcome.LAUREATE:
            forced_out.add(application_id)
    return frozenset(forced_in), frozenset(forced_out)


@transaction.atomic
def meeting_recompute(*, meeting: CommitteeMeeting, by: User | None) -> SelectionRun:
    """Re-run the optimiser with the committee's adjustments forced in / out.

    The adjustments join the call's forced choices (``selection_force``), so that the
    proposal page shows them too. Side effects: ``SelectionSettings`` forced lists; a
    ``SelectionRun``; audit entries ``selection.force`` and ``selection.run``.
    """
    _check_meeting_open(meeting)
    call = meeting.call
    _check_not_published(call)
    forced_in, forced_out = meeting_adjustments(meeting)
    policy = SelectionSettings.objects.select_for_update().get(pk=selection_settings_for(call).pk)
    policy.forced_in = sorted((set(policy.forced_in) - forced_out) | forced_in)
    policy.forced_out = sorted((set(policy.forced_out) - forced_in) | forced_out)
    policy.save(update_fields=["forced_in", "forced_out", "updated_at"])
    log_action(
        actor=by,
        action="selection.force",
        obj=call,
        data={"meeting": meeting.pk, "in": sorted(forced_in), "out": sorted(forced_out)},
    )
    return selection_compute(call=call, by=by)


# --------------------------------------------------------------------------- decisions


def _check_decisions_open(call: Call) -> None:
    _check_not_published(call)
    if Decision.objects.filter(application__call=call, published_at__isnull=False).exists():
        raise DomainError(
            _("Des décisions de cet appel sont publiées : elles ne peuvent plus changer."),
            code="published",
        )


def funder_requests(application_ids: Iterable[int]) -> dict[int, dict[int, Decimal]]:
    """Per application, what it asks each co-funder (euros)."""
    requests: dict[int, dict[int, Decimal]] = {}
    for application_id, funder_id, amount in ResourceLine.objects.filter(
        application_id__in=list(application_ids), kind=ResourceKind.FUNDER
    ).values_list("application_id", "funder_id", "amount"):
        per_funder = requests.setdefault(application_id, {})
        per_funder[funder_id] = per_funder.get(funder_id, ZERO) + amount
    return requests


def _envelopes_of(call: Call) -> dict[int, Envelope]:
    return {
        e.funder_id: e for e in call.envelopes.select_related("funder").order_by("funder__name")
    }


def awarded_totals(call: Call, *, exclude_application: int | None = None) -> dict[int, Decimal]:
    """Per funder id, the sum of the call's laureate awards (pending or published)."""
    awards = DecisionAward.objects.filter(
        decision__application__call=call, decision__outcome=DecisionOutcome.LAUREATE
    )
    if exclude_application is not None:
        awards = awards.exclude(decision__application_id=exclude_application)
    return {
        row["funder_id"]: to_money(row["total"])
        for row in awards.values("funder_id").annotate(total=Sum("amount")).order_by()
    }


def _overspend(call: Call, totals: Mapping[int, Decimal], envelopes: Mapping[int, Envelope]) -> str:
    """The first envelope or the budget that ``totals`` exceed, as a message; "" if none."""
    for funder_id, envelope in envelopes.items():
        total = totals.get(funder_id, ZERO)
        if total > envelope.amount:
            return _(
                "L'enveloppe de %(funder)s serait dépassée : %(total)s attribués pour "
                "%(envelope)s (%(over)s de trop)."
            ) % {
                "funder": envelope.funder,
                "total": format_eur(total),
                "envelope": format_eur(envelope.amount),
                "over": format_eur(total - envelope.amount),
            }
    unknown = [f for f, amount in totals.items() if f not in envelopes and amount > 0]
    if unknown:
        return _("Un montant est attribué par un cofinanceur sans enveloppe dans cet appel.")
    grand = money_sum(totals.values())
    if grand > call.budget:
        return _(
            "Le budget de l'appel serait dépassé : %(total)s attribués pour %(budget)s "
            "(%(over)s de trop)."
        ) % {
            "total": format_eur(grand),
            "budget": format_eur(call.budget),
            "over": format_eur(grand - call.budget),
        }
    return ""


def _proposal_awards(
    *,
    call: Call,
    data: Mapping[str, Any],
    selected: Sequence[int],
    requests: Mapping[int, Mapping[int, Decimal]],
    envelopes: Mapping[int, Envelope],
) -> dict[int, dict[int, Decimal]]:
    """The run's awards in cents, capped at each request, and trimmed (lowest-ranked
    laureate first) so that rounding never takes a total above an envelope or the budget."""
    by_slug = {e.funder.slug: funder_id for funder_id, e in envelopes.items()}
    awards: dict[int, dict[int, Decimal]] = {}
    raw_awards: Mapping[str, Mapping[str, float]] = data.get("awards") or {}
    explanations: Mapping[str, Mapping[str, Any]] = data.get("explanations") or {}
    for application_id in selected:
        asked = requests.get(application_id, {})
        per_funder: dict[int, Decimal] = {}
        raw = raw_awards.get(str(application_id))
        if raw is not None:
            for slug, value in raw.items():
                funder_id = by_slug.get(slug)
                if funder_id is not None:
                    per_funder[funder_id] = to_money(str(value))
        else:  # a run kept before awards were recorded per funder: scale the requests
            total_asked = money_sum(asked.values())
            award = to_money(str(explanations.get(str(application_id), {}).get("award", 0)))
            share = award / total_asked if total_asked else ZERO
            per_funder = {f: to_money(amount * share) for f, amount in asked.items()}
        awards[application_id] = {
            f: min(amount, asked.get(f, ZERO))
            for f, amount in per_funder.items()
            if f in envelopes and min(amount, asked.get(f, ZERO)) > 0
        }

    def trim(excess: Decimal, funder_ids: Iterable[int]) -> None:
        funders = list(funder_ids)
        for application_id in reversed(selected):
            for funder_id in funders:
                amount = awards[application_id].get(funder_id, ZERO)
                if excess <= 0:
                    return
                cut = min(excess, amount)
                if cut > 0:
                    awards[application_id][funder_id] = amount - cut
                    excess -= cut

    for funder_id, envelope in envelopes.items():
        total = money_sum(a.get(funder_id, ZERO) for a in awards.values())
        if total > envelope.amount:
            trim(total - envelope.amount, [funder_id])
    grand = money_sum(amount for a in awards.values() for amount in a.values())
    if grand > call.budget:
        trim(grand - call.budget, list(envelopes))
    return {a: {f: v for f, v in per.items() if v > 0} for a, per in awards.items()}


@transaction.atomic
def decisions_load_proposal(
    *, meeting: CommitteeMeeting, run: SelectionRun, by: User | None, waiting_list_size: int = 5
) -> int:
    """Turn a proposal into pending decisions for every decidable application of the call.

    Selected → laureate with its awards per funder (in cents, never above a request,
    an envelope or the budget); the ``waiting_list_size`` best of those left out for
    budget or a regional cap → waiting list ranked 1..n; the others → not selected,
    with the explanation as the reason. Replaces every pending decision of the call.
    Refused once results are published, on a closed meeting, or when the proposal
    misses an application (recompute it). Returns the number of decisions.
    Side effects: ``Decision`` and ``DecisionAward`` rows (nothing public);
    ``meeting.run``; audit entry ``selection.proposal_load``.
    """
    call = Call.objects.select_for_update().get(pk=meeting.call_id)
    _check_decisions_open(call)
    meeting = CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
    _check_meeting_open(meeting)
    if run.call_id != call.pk:
        raise DomainError(_("Cette proposition concerne un autre appel."))
    if waiting_list_size < 0:
        raise DomainError(_("La liste d'attente ne peut pas avoir une taille négative."))
    data: Mapping[str, Any] = run.result
    explanations: Mapping[str, Mapping[str, Any]] = data.get("explanations") or {}
    applications = list(
        Application.objects.filter(call=call, state__in=DECIDABLE_STATES).order_by("pk")
    )
    if not applications:
        raise DomainError(_("Aucune candidature de cet appel n'attend de décision."))
    missing = [a.reference for a in applications if str(a.pk) not in explanations]
    if missing:
        raise DomainError(
            _(
                "La proposition ne couvre pas %(count)s candidature(s) (%(refs)s) : "
                "recalculez la proposition avant de la charger."
            )
            % {"count": len(missing), "refs": ", ".join(missing[:5])}
        )
    decidable = {a.pk for a in applications}
    envelopes = _envelopes_of(call)
    requests = funder_requests(decidable)
    selected = [int(i) for i in data.get("selected", []) if int(i) in decidable]
    awards = _proposal_awards(
        call=call, data=data, selected=selected, requests=requests, envelopes=envelopes
    )

    def rank_key(application_id: int) -> tuple[float, float, int]:
        explanation = explanations[str(application_id)]
        return (
            float(explanation.get("rank") or 0),
            -float(explanation.get("score") or 0),
            application_id,
        )

    waiting = sorted(
        (
            a.pk
            for a in applications
            if a.pk not in awards
            and explanations[str(a.pk)].get("code") in ("budget", "region_cap")
        ),
        key=rank_key,
    )[:waiting_list_size]
    waiting_rank = {application_id: rank for rank, application_id in enumerate(waiting, 1)}
    Decision.objects.filter(application__call=call, published_at__isnull=True).delete()
    decisions = []
    region_names = dict(Region.objects.values_list("code", "name"))
    for application in applications:
        explanation = dict(explanations[str(application.pk)])
        explanation["region_name"] = region_names.get(explanation.get("region") or "", "")
        reason = explanation_text(explanation)
        if application.pk in awards:
            outcome = DecisionOutcome.LAUREATE
        elif application.pk in waiting_rank:
            outcome = DecisionOutcome.WAITING_LIST
        else:
            outcome = DecisionOutcome.REJECTED
        amount = money_sum(awards.get(application.pk, {}).values())
        decisions.append(
            Decision(
                application=application,
                outcome=outcome,
                waiting_rank=waiting_rank.get(application.pk),
                reason=reason,
                decided_by=by,
                meeting=meeting,
                proposed_outcome=outcome,
                proposed_amount=amount if outcome == DecisionOutcome.LAUREATE else None,
            )
        )
    created = Decision.objects.bulk_create(decisions)
    DecisionAward.objects.bulk_create(
        DecisionAward(decision=decision, funder_id=funder_id, amount=amount)
        for decision in created
        for funder_id, amount in awards.get(decision.application_id, {}).items()
    )
    meeting.run = run
    meeting.save(update_fields=["run", "updated_at"])
    totals = awarded_totals(call)
    log_action(
        actor=by,
        action="selection.proposal_load",
        obj=meeting,
        data={
            "run": run.pk,
            "decisions": len(created),
            "laureates": len(awards),
            "waiting": len(waiting),
            "awarded": str(money_sum(totals.values())),
        },
    )
    return len(created)


def _renumber_waiting_list(call: Call, placed: Decision | None, rank: int | None) -> None:
    """Ranks 1..n without gaps; ``placed`` goes at ``rank``, pushing the others down."""
    waiting = Decision.objects.filter(
        application__call=call, outcome=DecisionOutcome.WAITING_LIST, published_at__isnull=True
    )
    if placed is not None:
        waiting = waiting.exclude(pk=placed.pk)
    others = list(waiting.order_by("waiting_rank", "pk"))
    if placed is not None and placed.outcome == DecisionOutcome.WAITING_LIST:
        position = min(max((rank or len(others) + 1) - 1, 0), len(others))
        others.insert(position, placed)
    for number, decision in enumerate(others, 1):
        if decision.waiting_rank != number:
            Decision.objects.filter(pk=decision.pk).update(waiting_rank=number)
            decision.waiting_rank = number


@transaction.atomic
def decision_record(
    *,
    application: Application,
    outcome: str,
    by: User | None,
    reason: str = "",
    waiting_rank: int | None = None,
    awards: Mapping[int, Decimal] | None = None,
    meeting: CommitteeMeeting | None = None,
) -> Decision:
    """Record (or change) the committee's pending decision on one application.

    ``awards`` maps funder ids to amounts (laureates only); None keeps the current
    awards, or grants the full requests to a new laureate. A waiting-list rank
    already taken pushes the others down (no rank given: last). Refused with a clear
    message: after publication, on a closed meeting, an application not awaiting a
    decision, a rejection without reason, an award above the request or from a
    funder without envelope, totals above an envelope or the budget.
    Side effects: ``Decision`` and its ``DecisionAward`` rows (nothing public);
    waiting-list ranks renumbered; audit entry ``selection.decision_record``.
    """
    # Lock the call: decisions of one call are recorded one at a time (totals checks).
    call = Call.objects.select_for_update().get(pk=application.call_id)
    _check_decisions_open(call)
    try:
        outcome = DecisionOutcome(outcome)
    except ValueError as error:
        raise DomainError(_("Choisissez une décision dans la liste.")) from error
    if application.state not in DECIDABLE_STATES:
        raise DomainError(
            _("La candidature %(ref)s est « %(state)s » : elle n'attend pas de décision.")
            % {"ref": application.reference, "state": application.get_state_display()}
        )
    if meeting is not None:
        if meeting.call_id != call.pk:
            raise DomainError(_("Cette séance concerne un autre appel."))
        _check_meeting_open(meeting)
    reason = reason.strip()
    if outcome == DecisionOutcome.REJECTED and not reason:
        raise DomainError(_("Indiquez le motif de la décision « Non retenue »."))
    if waiting_rank is not None and waiting_rank < 1:
        raise DomainError(_("Le rang sur la liste d'attente commence à 1."))
    decision = Decision.objects.select_for_update().filter(application=application).first()
    envelopes = _envelopes_of(call)
    asked = funder_requests([application.pk]).get(application.pk, {})
    new_awards: dict[int, Decimal] = {}
    if outcome == DecisionOutcome.LAUREATE:
        if awards is None:
            current = {a.funder_id: a.amount for a in decision.awards.all()} if decision else {}
            new_awards = current or {f: amount for f, amount in asked.items() if f in envelopes}
        else:
            for funder_id, value in awards.items():
                envelope = envelopes.get(int(funder_id))
                if envelope is None:
                    raise DomainError(_("Ce cofinanceur n'a pas d'enveloppe dans cet appel."))
                try:
                    amount = to_money(value)
                except (TypeError, InvalidOperation) as error:
                    raise DomainError(
                        _("Le montant de %s n'est pas un montant en euros.") % envelope.funder
                    ) from error
                if amount < 0:
                    raise DomainError(
                        _("Le montant attribué par %s ne peut pas être négatif.") % envelope.funder
                    )
                request = asked.get(envelope.funder_id, ZERO)
                if amount > request:
                    raise DomainError(
                        _(
                            "Le montant attribué par %(funder)s (%(amount)s) dépasse la demande "
                            "de la candidature (%(request)s)."
                        )
                        % {
                            "funder": envelope.funder,
                            "amount": format_eur(amount),
                            "request": format_eur(request),
                        }
                    )
                if amount > 0:
                    new_awards[envelope.funder_id] = amount
        if not new_awards:
            raise DomainError(
                _("Une lauréate reçoit une aide : indiquez au moins un montant attribué.")
            )
        totals = awarded_totals(call, exclude_application=application.pk)
        for funder_id, amount in new_awards.items():
            totals[funder_id] = totals.get(funder_id, ZERO) + amount
        overspend = _overspend(call, totals, envelopes)
        if overspend:
            raise DomainError(overspend, code="budget")
    elif awards and any(to_money(v) > 0 for v in awards.values()):
        raise DomainError(_("Seule une candidature lauréate reçoit un montant."))
    if decision is None:
        decision = Decision(application=application, proposed_outcome="")
    previous = decision.outcome
    decision.outcome = outcome
    decision.reason = reason
    decision.decided_by = by
    if meeting is not None:
        decision.meeting = meeting
    decision.waiting_rank = (
        (waiting_rank or 10_000) if outcome == DecisionOutcome.WAITING_LIST else None
    )
    decision.save()
    decision.awards.all().delete()
    DecisionAward.objects.bulk_create(
        DecisionAward(decision=decision, funder_id=funder_id, amount=amount)
        for funder_id, amount in new_awards.items()
    )
    _renumber_waiting_list(call, decision, waiting_rank)
    log_action(
        actor=by,
        action="selection.decision_record",
        obj=application,
        data={
            "from": previous,
            "outcome": str(outcome),
            "waiting_rank": decision.waiting_rank,
            "awards": {str(f): str(a) for f, a in new_awards.items()},
            "reason": reason,
            "meeting": meeting.pk if meeting else None,
        },
    )
    return decision


def last_meeting(call: Call) -> CommitteeMeeting | None:
    return call.committee_meetings.order_by("-held_on", "-pk").first()


@transaction.atomic
def decisions_publish(*, call: Call, by: User, now: datetime | None = None) -> int:
    """Publish every decision of the call at once.

    Refused (nothing changes) when results are already out, when an application
    awaiting a decision has none or is not in review, when the last committee meeting
    did not reach its quorum, when a laureate has no award, or when the totals exceed
    an envelope or the budget. Returns the number of decisions published.
    Side effects: ``published_at`` on each decision; each application moves to
    laureate / waiting list / not selected (``application_transition``, with the
    reason); ``call.state`` becomes results published; audit entry ``selection.publish``.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    _check_not_published(call)
    applications = list(
        Application.objects.filter(call=call, state__in=DECIDABLE_STATES)
        .select_related("decision")
        .order_by("pk")
    )
    if not applications:
        raise DomainError(_("Aucune candidature de cet appel n'attend de décision."))
    undecided = [a.reference for a in applications if not hasattr(a, "decision")]
    if undecided:
        raise DomainError(
            _(
                "%(count)s candidature(s) n'ont pas de décision (%(refs)s) : chargez la "
                "proposition ou décidez-en avant de publier."
            )
            % {"count": len(undecided), "refs": ", ".join(undecided[:5])},
            code="undecided",
        )
    not_in_review = [a.reference for a in applications if a.state != ApplicationState.IN_REVIEW]
    if not_in_review:
        raise DomainError(
            _(
                "%(count)s candidature(s) ne sont pas en évaluation (%(refs)s) : passez-les "
                "en évaluation avant de publier."
            )
            % {"count": len(not_in_review), "refs": ", ".join(not_in_review[:5])}
        )
    meeting = last_meeting(call)
    if meeting is None:
        raise DomainError(
            _(
                "Aucune séance du comité n'est enregistrée : les décisions ne peuvent "
                "être publiées."
            ),
            code="quorum",
        )
    present = meeting.members.count()
    if present < meeting.quorum:
        raise DomainError(
            _(
                "La dernière séance du comité n'a pas atteint le quorum (%(present)s membre(s) "
                "présent(s) pour %(quorum)s requis) : les décisions ne peuvent être publiées."
            )
            % {"present": present, "quorum": meeting.quorum},
            code="quorum",
        )
    laureates_without_award = set(
        Decision.objects.filter(application__in=applications, outcome=DecisionOutcome.LAUREATE)
        .exclude(awards__amount__gt=0)
        .values_list("application__reference", flat=True)
    )
    if laureates_without_award:
        raise DomainError(
            _("Des lauréates n'ont aucun montant attribué : %s.")
            % ", ".join(sorted(laureates_without_award)[:5])
        )
    totals = awarded_totals(call)
    overspend = _overspend(call, totals, _envelopes_of(call))
    if overspend:
        raise DomainError(overspend, code="budget")
    when = now or timezone.now()
    counts = {str(outcome): 0 for outcome in DecisionOutcome}
    for application in applications:
        decision = application.decision
        application_transition(
            application=application,
            target=ApplicationState(decision.outcome),
            by=by,
            reason=decision.reason,
        )
        counts[decision.outcome] += 1
    published = Decision.objects.filter(application__in=applications).update(
        published_at=when, updated_at=when
    )
    call.state = CallState.RESULTS_PUBLISHED
    call.save(update_fields=["state", "updated_at"])
    log_action(
        actor=by,
        action="selection.publish",
        obj=call,
        data={
            **counts,
            "awarded": str(money_sum(totals.values())),
            "per_funder": {str(f): str(a) for f, a in totals.items()},
            "meeting": meeting.pk,
        },
    )
    return published
