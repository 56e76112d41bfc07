"""Signed, expiring tokens for the email-confirmation link.

The token carries the account's id, its email address (so a link sent to an
older address stops working), the time it was issued and where to go next. It
is signed with ``SECRET_KEY`` under its own salt; its age is checked against an
explicit clock rather than the signer's own timestamp, so tests can move time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing

CONFIRMATION_SALT = "laureat.accounts.confirm-email"
CONFIRMATION_MAX_AGE = timedelta(days=3)


class TokenInvalid(Exception):
    """The token was altered, or was not made by us."""


class TokenExpired(Exception):
    """The token is genuine but older than ``CONFIRMATION_MAX_AGE``; ``email`` says for whom."""

    def __init__(self, email: str) -> None:
        super().__init__(email)
        self.email = email


@dataclass(frozen=True)
class Confirmation:
    user_id: int
    email: str
    next_url: str


def make_confirmation_token(*, user_id: int, email: str, next_url: str, now: datetime) -> str:
    payload = {"u": user_id, "e": email, "t": int(now.timestamp()), "n": next_url}
    return signing.dumps(payload, salt=CONFIRMATION_SALT, compress=True)


def read_confirmation_token(token: str, *, now: datetime) -> Confirmation:
    """The token's content; raises ``TokenInvalid`` or ``TokenExpired``."""
    try:
        payload = signing.loads(token, salt=CONFIRMATION_SALT)
        user_id, email, issued, next_url = payload["u"], payload["e"], payload["t"], payload["n"]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise TokenInvalid from error
    if not isinstance(user_id, int) or not isinstance(issued, int):
        raise TokenInvalid
    age = now.timestamp() - issued
    if age > CONFIRMATION_MAX_AGE.total_seconds() or age < -60:
        raise TokenExpired(str(email))
    return Confirmation(user_id=user_id, email=str(email), next_url=str(next_url or ""))
