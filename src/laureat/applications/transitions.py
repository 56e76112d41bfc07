"""The application lifecycle as data: which change of state is allowed, and to whom.

One row per allowed transition. ``application_transition`` (domain.py) is the
only function that changes ``Application.state``; it checks this table.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from laureat.applications.enums import Actor
from laureat.applications.enums import ApplicationState as S


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    actors: frozenset[Actor]
    verb: Promise  # what the button says
    reason_required: bool = False


_A, _M, _F = Actor.APPLICANT, Actor.MANAGER, Actor.FUNDER

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.SUBMITTED, frozenset({_A}), _("Déposer")),
    Transition(S.SUBMITTED, S.ELIGIBLE, frozenset({_M}), _("Déclarer recevable")),
    Transition(S.SUBMITTED, S.INELIGIBLE, frozenset({_M}), _("Déclarer irrecevable"), True),
    # A manager may reopen a submitted file for correction (requests for information).
    Transition(S.SUBMITTED, S.DRAFT, frozenset({_M}), _("Rouvrir pour correction"), True),
    Transition(S.ELIGIBLE, S.INELIGIBLE, frozenset({_M}), _("Déclarer irrecevable"), True),
    Transition(S.INELIGIBLE, S.ELIGIBLE, frozenset({_M}), _("Déclarer recevable"), True),
    Transition(S.ELIGIBLE, S.IN_REVIEW, frozenset({_M}), _("Mettre en évaluation")),
    Transition(S.IN_REVIEW, S.LAUREATE, frozenset({_M}), _("Retenir comme lauréate")),
    Transition(S.IN_REVIEW, S.WAITING_LIST, frozenset({_M}), _("Placer en liste d'attente")),
    Transition(S.IN_REVIEW, S.REJECTED, frozenset({_M}), _("Ne pas retenir"), True),
    Transition(S.WAITING_LIST, S.LAUREATE, frozenset({_M}), _("Retenir comme lauréate")),
    Transition(S.WAITING_LIST, S.REJECTED, frozenset({_M}), _("Ne pas retenir"), True),
    Transition(S.LAUREATE, S.AGREEMENT_SIGNED, frozenset({_M, _F}), _("Enregistrer la convention")),
    Transition(S.AGREEMENT_SIGNED, S.IN_PROGRESS, frozenset({_M, _F}), _("Démarrer le projet")),
    Transition(S.IN_PROGRESS, S.COMPLETED, frozenset({_M, _F}), _("Clore le projet")),
    # Withdrawal: by the applicant until the decision.
    Transition(S.DRAFT, S.WITHDRAWN, frozenset({_A}), _("Abandonner")),
    Transition(S.SUBMITTED, S.WITHDRAWN, frozenset({_A}), _("Retirer la candidature"), True),
    Transition(S.ELIGIBLE, S.WITHDRAWN, frozenset({_A}), _("Retirer la candidature"), True),
    Transition(S.IN_REVIEW, S.WITHDRAWN, frozenset({_A}), _("Retirer la candidature"), True),
)

_BY_PAIR: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}


def find_transition(source: str, target: str) -> Transition | None:
    return _BY_PAIR.get((source, target))


def transitions_from(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
