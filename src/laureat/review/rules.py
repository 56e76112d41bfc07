"""Who may review what. A conflicted reviewer can never review the application,
whatever assignment rows exist."""

from typing import Any

import rules

from laureat.applications.models import Application
from laureat.review.enums import AssignmentState, ReviewerState
from laureat.review.models import Assignment, Conflict


@rules.predicate
def is_conflicted(user: Any, application: Application | None) -> bool:
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    return Conflict.objects.filter(application=application, reviewer__user=user).exists()


@rules.predicate
def is_assigned_reviewer(user: Any, application: Application | None) -> bool:
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        Assignment.objects.filter(
            application=application,
            reviewer__user=user,
            reviewer__state=ReviewerState.ACTIVE,
        )
        .exclude(state=AssignmentState.DECLINED)
        .exists()
    )


rules.add_perm("review.review_application", is_assigned_reviewer & ~is_conflicted)
