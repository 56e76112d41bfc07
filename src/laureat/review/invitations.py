"""Signed invitation links for reviewers: no token table, nothing to leak from the database.

The link carries the reviewer's id, signed with the project's secret and a salt of its
own; it expires after ``INVITATION_MAX_AGE``. Accepting or declining goes through the
domain functions; this module only encodes and decodes the link.
"""

from datetime import timedelta

from django.core import signing

from laureat.review.models import Reviewer

INVITATION_SALT = "laureat.review.invitation"
INVITATION_MAX_AGE = timedelta(days=30)


def invitation_token(reviewer: Reviewer) -> str:
    return signing.dumps({"reviewer": reviewer.pk}, salt=INVITATION_SALT)


def reviewer_from_token(token: str) -> Reviewer | None:
    """The reviewer the link was made for, or ``None`` when it is forged, expired or stale."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(data, dict) or not isinstance(data.get("reviewer"), int):
        return None
    return Reviewer.objects.select_related("call", "user").filter(pk=data["reviewer"]).first()
