"""What the header needs on every page: which of the signed-in user's links to show."""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from laureat.accounts.models import User
from laureat.programmes.enums import ProgrammeRoleKind
from laureat.programmes.models import ProgrammeRole
from laureat.review.enums import ReviewerState
from laureat.review.models import Reviewer


def _roles(user: Any) -> tuple[bool, bool]:
    """(manages some programme, is invited to or active in some reviewer pool): one query."""
    if user is None or not user.is_authenticated:
        return False, False
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            manager=Exists(
                ProgrammeRole.objects.filter(user=OuterRef("pk"), role=ProgrammeRoleKind.MANAGER)
            ),
            reviewer=Exists(
                Reviewer.objects.filter(user=OuterRef("pk")).exclude(state=ReviewerState.DECLINED)
            ),
        )
        .values_list("manager", "reviewer")
        .first()
    )
    manager, reviewer = row if row is not None else (False, False)
    return bool(manager or user.is_superuser), bool(reviewer)


def nav_roles(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """``nav_manager`` and ``laureat_is_reviewer``: callables, so that the one query runs
    only when a template reads them, once a page."""

    @cache
    def roles() -> tuple[bool, bool]:
        return _roles(getattr(request, "user", None))

    return {
        "nav_manager": lambda: roles()[0],
        "laureat_is_reviewer": lambda: roles()[1],
    }
