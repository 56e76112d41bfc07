"""``{% sent_decision_letters application user as letters %}``: letters an applicant may open."""

from typing import Any

from django import template

from laureat.applications.models import Application
from laureat.notifications.models import OutboxMessage
from laureat.notifications.queries import sent_letters_for

register = template.Library()


@register.simple_tag
def sent_decision_letters(application: Application, user: Any) -> list[OutboxMessage]:
    """The sent letters of ``application``, when ``user`` may see the application."""
    if not user.has_perm("applications.view_application", application):
        return []
    return list(sent_letters_for(application))
