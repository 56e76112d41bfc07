"""Who may read the outbox and the letters.

The outbox of a call is its programme managers' (``programmes.manage_programme``).
A letter is readable, once sent, by whoever may see its application
(``applications.view_application``: its applicants, the managers, the co-funders).
"""

from typing import Any

import rules

from laureat.notifications.enums import MessageState
from laureat.notifications.models import OutboxMessage
from laureat.programmes.rules import is_admin, is_programme_manager


@rules.predicate
def is_message_manager(user: Any, message: OutboxMessage | None) -> bool:
    return message is not None and is_programme_manager(user, message.call)


@rules.predicate
def is_sent_letter(user: Any, message: OutboxMessage | None) -> bool:
    return (
        message is not None
        and message.state == MessageState.SENT
        and message.application is not None
        and bool(message.attachment_name)
    )


@rules.predicate
def may_view_application(user: Any, message: OutboxMessage | None) -> bool:
    if message is None or message.application is None:
        return False
    return bool(user.has_perm("applications.view_application", message.application))


rules.add_perm("notifications.manage_message", is_message_manager | is_admin)
rules.add_perm("notifications.view_sent_letter", is_sent_letter & may_view_application)
