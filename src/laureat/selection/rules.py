"""Who may see and run the selection of a call.

The programme's managers run it (policy, proposal, meetings, decisions, publication);
the committee members named in one of the call's meetings may read the proposal and
the meetings they sat in, nothing more.
"""

from typing import Any

import rules

from laureat.programmes.models import Call
from laureat.programmes.rules import is_admin, is_programme_manager
from laureat.selection.models import CommitteeMeeting


@rules.predicate
def is_committee_member(user: Any, obj: Any) -> bool:
    """``obj`` is a call (member of any of its meetings) or a meeting (member of that one)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if isinstance(obj, CommitteeMeeting):
        return obj.members.filter(pk=user.pk).exists()
    if isinstance(obj, Call):
        return CommitteeMeeting.objects.filter(call=obj, members=user).exists()
    return False


can_manage = is_programme_manager | is_admin

rules.add_perm("selection.manage_selection", can_manage)
rules.add_perm("selection.view_selection", can_manage | is_committee_member)
rules.add_perm("selection.view_meeting", can_manage | is_committee_member)
