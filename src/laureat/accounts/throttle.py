"""Throttling of sign-in attempts, per email address and per IP address.

Rules: ``EMAIL_LIMIT`` failures for one address within ``WINDOW`` lock that
address for ``LOCK``; ``IP_LIMIT`` failures from one IP address within
``WINDOW`` lock that IP address for ``LOCK`` (higher, since offices and
mobile networks share addresses). While locked, attempts are refused without
checking the password and are not counted, so a lock cannot be extended
indefinitely by an attacker. A successful sign-in resets the email counter
(not the IP counter: one valid account must not reset an attacker's count);
setting a new password resets it too.

Counters are rows of ``LoginThrottle`` (see its docstring for why the
database). Every function takes ``now`` so tests can move the clock.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from laureat.accounts.models import LoginThrottle, User
from laureat.core.audit import log_action

EMAIL_LIMIT = 5
IP_LIMIT = 20
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)

Scope = LoginThrottle.Scope


@dataclass(frozen=True)
class Lock:
    """A lock in force: until when, and the minutes left (rounded up) for the message."""

    scope: str
    until: datetime
    minutes_left: int


def _keys(email: str, ip: str | None) -> list[tuple[str, str]]:
    keys = [(Scope.EMAIL.value, email.strip().lower())]
    if ip:
        keys.append((Scope.IP.value, ip))
    return keys


def login_lock(*, email: str, ip: str | None, now: datetime | None = None) -> Lock | None:
    """The lock in force for this email or IP address, if any (the longer one)."""
    now = now or timezone.now()
    locks = []
    for scope, key in _keys(email, ip):
        row = LoginThrottle.objects.filter(scope=scope, key=key, locked_until__gt=now).first()
        if row is not None and row.locked_until is not None:
            seconds = (row.locked_until - now).total_seconds()
            locks.append(Lock(scope, row.locked_until, max(1, math.ceil(seconds / 60))))
    return max(locks, key=lambda lock: lock.until, default=None)


def _row_for_update(scope: str, key: str, now: datetime) -> LoginThrottle:
    try:
        with transaction.atomic():
            LoginThrottle.objects.get_or_create(
                scope=scope, key=key, defaults={"window_start": now}
            )
    except IntegrityError:  # created by another process in the meantime
        pass
    return LoginThrottle.objects.select_for_update().get(scope=scope, key=key)


@transaction.atomic
def login_failure_record(*, email: str, ip: str | None, now: datetime | None = None) -> Lock | None:
    """Count one failed attempt; returns the lock if this failure starts one.

    Side effects: updates the ``LoginThrottle`` rows; when the email address of
    an existing account gets locked, audit entry ``user.login_locked``.
    """
    now = now or timezone.now()
    limits = {Scope.EMAIL.value: EMAIL_LIMIT, Scope.IP.value: IP_LIMIT}
    started: Lock | None = None
    for scope, key in _keys(email, ip):
        row = _row_for_update(scope, key, now)
        if row.locked_until is not None and row.locked_until > now:
            continue
        if row.window_start <= now - WINDOW or row.locked_until is not None:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limits[scope]:
            row.locked_until = now + LOCK
            started = Lock(scope, row.locked_until, math.ceil(LOCK.total_seconds() / 60))
            if scope == Scope.EMAIL:
                user = User.objects.filter(email__iexact=key).first()
                if user is not None:
                    log_action(
                        actor=None,
                        action="user.login_locked",
                        obj=user,
                        data={"failures": row.failures, "until": row.locked_until, "ip": ip},
                    )
        row.save(update_fields=["failures", "window_start", "locked_until"])
    return started


def login_success_record(*, email: str) -> None:
    """Forget the failures counted for this email address."""
    LoginThrottle.objects.filter(scope=Scope.EMAIL, key=email.strip().lower()).delete()
