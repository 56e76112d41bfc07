"""Who may do what with programmes and calls (django-rules predicates)."""

from typing import Any

import rules

from laureat.programmes.enums import CallPhase, ProgrammeRoleKind
from laureat.programmes.models import Call, Programme


def _programme_of(obj: Any) -> Programme | None:
    if isinstance(obj, Programme):
        return obj
    if isinstance(obj, Call):
        return obj.programme
    programme = getattr(obj, "programme", None)
    if isinstance(programme, Programme):
        return programme
    call = getattr(obj, "call", None)
    return call.programme if isinstance(call, Call) else None


def has_programme_role(user: Any, obj: Any, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    programme = _programme_of(obj)
    if programme is None:
        return False
    return programme.roles.filter(user=user, role=role).exists()


@rules.predicate
def is_programme_manager(user: Any, obj: Any) -> bool:
    """``obj`` is a programme, a call, or anything with a ``call`` or ``programme``."""
    return has_programme_role(user, obj, ProgrammeRoleKind.MANAGER)


@rules.predicate
def is_call_public(user: Any, call: Call | None) -> bool:
    return call is not None and call.phase() != CallPhase.DRAFT


is_admin = rules.is_superuser

rules.add_perm("programmes.view_call", is_call_public | is_programme_manager | is_admin)
rules.add_perm("programmes.change_call", is_programme_manager | is_admin)
rules.add_perm("programmes.manage_programme", is_programme_manager | is_admin)
