"""Who may see and handle attachments and requests for information.

Attachments follow their application: whoever may see the application
(``applications.view_application``) may download its files; whoever may change
it (``applications.change_application``) may add and remove them. The thread of
requests for information is between the applicant's members and the programme's
managers.
"""

from typing import Any

import rules

from laureat.applications.rules import (
    is_application_manager,
    is_application_member,
    is_editable,
)
from laureat.documents.models import Attachment, InformationRequest


def _application_of(obj: Any) -> Any:
    if isinstance(obj, Attachment | InformationRequest):
        return obj.application
    return obj


@rules.predicate
def may_view_application(user: Any, obj: Any) -> bool:
    application = _application_of(obj)
    return application is not None and bool(
        user.has_perm("applications.view_application", application)
    )


@rules.predicate
def is_member(user: Any, obj: Any) -> bool:
    return bool(is_application_member(user, _application_of(obj)))


@rules.predicate
def is_manager(user: Any, obj: Any) -> bool:
    return bool(is_application_manager(user, _application_of(obj)))


@rules.predicate
def is_application_editable(user: Any, obj: Any) -> bool:
    return bool(is_editable(user, _application_of(obj)))


@rules.predicate
def is_not_deleted(user: Any, attachment: Attachment | None) -> bool:
    return attachment is not None and attachment.deleted_at is None


@rules.predicate
def is_confirmed_reviewer(user: Any, attachment: Attachment | None) -> bool:
    """An assigned reviewer who confirmed having no conflict reads the application's own
    files (not those of the requests for information)."""
    from laureat.review.queries import may_read_application

    if not isinstance(attachment, Attachment) or attachment.reply_id is not None:
        return False
    return may_read_application(user, attachment.application)


@rules.predicate
def is_request_open(user: Any, request: InformationRequest | None) -> bool:
    return request is not None and request.closed_at is None


# On an Attachment.
rules.add_perm(
    "documents.view_attachment",
    is_not_deleted & (may_view_application | is_confirmed_reviewer),
)
# On an Application: the attachments page, adding and removing files.
rules.add_perm("documents.view_attachments", may_view_application)
rules.add_perm("documents.change_attachments", is_member & is_application_editable)
# On an Application: the thread of requests for information.
rules.add_perm("documents.view_thread", is_member | is_manager | rules.is_superuser)
rules.add_perm("documents.send_information_request", is_manager | rules.is_superuser)
# On an InformationRequest.
rules.add_perm("documents.reply_information_request", is_member & is_request_open)
rules.add_perm(
    "documents.close_information_request", (is_manager | rules.is_superuser) & is_request_open
)
