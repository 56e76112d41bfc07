"""Writes for accounts: sign-up, email confirmation, profile, password.

Emails are sent with ``django.core.mail`` from the text templates under
``templates/accounts/email/``, in the active language. They are sent inside
the transaction: if the mail server refuses, nothing is saved and the person
can try again (rather than an account waiting for an email never sent).
Links in emails are absolute: the caller passes ``base_url`` (scheme and host,
e.g. ``request.build_absolute_uri("/")``), since domain functions never see
the request.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laureat.accounts.models import User
from laureat.accounts.throttle import login_success_record
from laureat.accounts.tokens import (
    CONFIRMATION_MAX_AGE,
    TokenExpired,
    TokenInvalid,
    make_confirmation_token,
    read_confirmation_token,
)
from laureat.core.audit import log_action
from laureat.core.errors import DomainError
from laureat.core.links import absolute_url


def _send(*, template: str, to: str, context: dict[str, object]) -> None:
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
    body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [to])


def _send_confirmation(*, user: User, base_url: str, next_url: str, now: datetime) -> None:
    token = make_confirmation_token(user_id=user.pk, email=user.email, next_url=next_url, now=now)
    _send(
        template="confirm_email",
        to=user.email,
        context={
            "user": user,
            "link": absolute_url(base_url, reverse("accounts:confirm", args=[token])),
            "days": CONFIRMATION_MAX_AGE.days,
        },
    )


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    base_url: str,
    next_url: str = "",
    now: datetime | None = None,
) -> User | None:
    """Create an inactive account and email it a confirmation link.

    The password must already have passed the validators (the form does it,
    with the person's names and address). When the address already belongs to
    an account, nothing is created and the caller must answer exactly as for
    a new account (the page must not reveal who has an account): the owner
    gets either a new confirmation link (account still unconfirmed) or an
    "you already have an account" email. Returns the new user, or None.
    Side effects: one email to ``email``; audit entry ``user.sign_up`` (new
    account) or ``user.sign_up_existing``.
    """
    now = now or timezone.now()
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise DomainError(_("Indiquez votre adresse électronique."))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Hash anyway, so that the response time does not tell either.
        make_password(password)
        if existing.email_confirmation_pending:
            _send_confirmation(user=existing, base_url=base_url, next_url=next_url, now=now)
        else:
            _send(
                template="account_exists",
                to=existing.email,
                context={
                    "user": existing,
                    "login_link": absolute_url(base_url, reverse("accounts:login")),
                    "reset_link": absolute_url(base_url, reverse("accounts:password_reset")),
                },
            )
        log_action(actor=None, action="user.sign_up_existing", obj=existing)
        return None
    user = User.objects.create_user(
        email,
        password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_active=False,
        email_confirmation_pending=True,
    )
    log_action(actor=user, action="user.sign_up", obj=user, data={"email": email})
    _send_confirmation(user=user, base_url=base_url, next_url=next_url, now=now)
    return user


@dataclass(frozen=True)
class ConfirmationResult:
    user: User
    next_url: str
    already_confirmed: bool


@transaction.atomic
def user_confirm_email(*, token: str, now: datetime | None = None) -> ConfirmationResult:
    """Activate the account named by a confirmation token.

    Raises ``TokenExpired`` (genuine but too old: offer a new link to
    ``error.email``) or ``TokenInvalid`` (altered, unknown account, or the
    address changed since). A token for an account already confirmed returns
    ``already_confirmed=True`` and changes nothing: the caller must not sign
    the person in then (the link may have been opened by someone else).
    Side effects: the account becomes active; audit entry ``user.confirm_email``.
    """
    now = now or timezone.now()
    confirmation = read_confirmation_token(token, now=now)
    user = User.objects.select_for_update().filter(pk=confirmation.user_id).first()
    if user is None or user.email.lower() != confirmation.email.lower():
        raise TokenInvalid
    if not user.email_confirmation_pending:
        return ConfirmationResult(user=user, next_url="", already_confirmed=True)
    user.is_active = True
    user.email_confirmation_pending = False
    user.save(update_fields=["is_active", "email_confirmation_pending"])
    log_action(actor=user, action="user.confirm_email", obj=user, data={"email": user.email})
    return ConfirmationResult(user=user, next_url=confirmation.next_url, already_confirmed=False)


@transaction.atomic
def user_resend_confirmation(
    *, email: str, base_url: str, next_url: str = "", now: datetime | None = None
) -> bool:
    """Send a new confirmation link if ``email`` belongs to an unconfirmed account.

    Returns whether an email was sent; the caller answers the same either way.
    Side effects: at most one email; audit entry ``user.resend_confirmation``.
    """
    now = now or timezone.now()
    user = User.objects.filter(email__iexact=email.strip(), email_confirmation_pending=True).first()
    if user is None:
        return False
    _send_confirmation(user=user, base_url=base_url, next_url=next_url, now=now)
    log_action(actor=None, action="user.resend_confirmation", obj=user)
    return True


@transaction.atomic
def user_update_profile(*, user: User, first_name: str, last_name: str) -> User:
    """Change the person's names. Side effects: audit entry ``user.update_profile``."""
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name or not last_name:
        raise DomainError(_("Indiquez votre prénom et votre nom."))
    before = {"first_name": user.first_name, "last_name": user.last_name}
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    log_action(
        actor=user,
        action="user.update_profile",
        obj=user,
        data={"before": before, "after": {"first_name": first_name, "last_name": last_name}},
    )
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, how: str) -> User:
    """Store a new password (already validated by the form).

    ``how`` is "change" (signed in, old password given) or "reset" (link by
    email). Side effects: audit entry ``user.set_password``; the sign-in
    failures counted for the address are forgotten.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    login_success_record(email=user.email)
    log_action(actor=user, action="user.set_password", obj=user, data={"how": how})
    return user


__all__ = [
    "ConfirmationResult",
    "TokenExpired",
    "TokenInvalid",
    "user_confirm_email",
    "user_resend_confirmation",
    "user_set_password",
    "user_sign_up",
    "user_update_profile",
]
