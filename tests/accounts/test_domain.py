"""Sign-up, confirmation tokens, profile, passwords and sign-in throttling, without the web."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from laureat.accounts.domain import (
    user_confirm_email,
    user_resend_confirmation,
    user_set_password,
    user_sign_up,
    user_update_profile,
)
from laureat.accounts.models import LoginThrottle, User
from laureat.accounts.throttle import (
    EMAIL_LIMIT,
    IP_LIMIT,
    LOCK,
    login_failure_record,
    login_lock,
    login_success_record,
)
from laureat.accounts.tokens import (
    TokenExpired,
    TokenInvalid,
    make_confirmation_token,
    read_confirmation_token,
)
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE = "https://laureat.example"
LINK = re.compile(r"https://laureat\.example(/compte/confirmer/[^/\s]+/)")


def sign_up(email: str = "Alex.Dupont@Example.fr", **kwargs: object) -> User | None:
    fields: dict[str, object] = {
        "email": email,
        "first_name": "Alex",
        "last_name": "Dupont",
        "password": PASSWORD,
        "base_url": BASE,
    }
    fields.update(kwargs)
    return user_sign_up(**fields)  # type: ignore[arg-type]


def token_from(message: mail.EmailMessage) -> str:
    match = LINK.search(str(message.body))
    assert match is not None, message.body
    return match.group(1).split("/")[-2]


# --- sign-up ----------------------------------------------------------------


def test_sign_up_creates_an_inactive_account_and_sends_one_confirmation() -> None:
    user = sign_up()

    assert user is not None
    user.refresh_from_db()
    assert user.email == "alex.dupont@example.fr"
    assert (user.first_name, user.last_name) == ("Alex", "Dupont")
    assert user.is_active is False
    assert user.email_confirmation_pending is True
    assert user.check_password(PASSWORD)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alex.dupont@example.fr"]
    assert mail.outbox[0].subject == "Laureat : confirmez votre adresse électronique"
    assert "Bonjour Alex Dupont," in str(mail.outbox[0].body)
    assert LINK.search(str(mail.outbox[0].body)) is not None
    assert list(AuditLog.objects.for_object(user).values_list("action", flat=True)) == [
        "user.sign_up"
    ]


def test_sign_up_with_an_existing_address_creates_nothing_and_tells_the_owner() -> None:
    owner = UserFactory(email="camille@example.fr")

    result = sign_up(email="CAMILLE@example.fr", password="un-autre-mot-de-passe-77")

    assert result is None
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille@example.fr"]
    assert mail.outbox[0].subject == "Laureat : vous avez déjà un compte"
    assert f"{BASE}/compte/mot-de-passe/oublie/" in str(mail.outbox[0].body)
    assert LINK.search(str(mail.outbox[0].body)) is None


def test_sign_up_again_before_confirming_sends_a_new_link() -> None:
    first = sign_up()

    again = sign_up()

    assert again is None
    assert User.objects.count() == 1
    assert len(mail.outbox) == 2
    assert user_confirm_email(token=token_from(mail.outbox[1])).user == first


def test_database_refuses_an_active_account_still_pending() -> None:
    with pytest.raises(IntegrityError):
        UserFactory(is_active=True, email_confirmation_pending=True)


# --- confirmation -----------------------------------------------------------


def test_confirm_email_activates_the_account_and_keeps_next() -> None:
    user = sign_up(next_url="/appels/x/")
    assert user is not None

    result = user_confirm_email(token=token_from(mail.outbox[0]))

    user.refresh_from_db()
    assert result.user == user
    assert result.already_confirmed is False
    assert result.next_url == "/appels/x/"
    assert (user.is_active, user.email_confirmation_pending) == (True, False)
    assert AuditLog.objects.for_object(user).first().action == "user.confirm_email"  # type: ignore[union-attr]


def test_confirm_email_twice_changes_nothing_the_second_time() -> None:
    sign_up()
    token = token_from(mail.outbox[0])
    user_confirm_email(token=token)

    result = user_confirm_email(token=token)

    assert result.already_confirmed is True
    assert AuditLog.objects.filter(action="user.confirm_email").count() == 1


def test_confirm_email_with_a_tampered_token_is_invalid() -> None:
    sign_up()
    token = token_from(mail.outbox[0])
    tampered = token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")

    with pytest.raises(TokenInvalid):
        user_confirm_email(token=tampered)
    assert User.objects.get().is_active is False


def test_confirm_email_after_three_days_is_expired_and_names_the_address() -> None:
    sign_up()
    token = token_from(mail.outbox[0])

    with pytest.raises(TokenExpired) as raised:
        user_confirm_email(token=token, now=timezone.now() + timedelta(days=3, minutes=1))

    assert raised.value.email == "alex.dupont@example.fr"
    assert User.objects.get().is_active is False


def test_confirm_email_just_before_expiry_works() -> None:
    sign_up()

    result = user_confirm_email(
        token=token_from(mail.outbox[0]), now=timezone.now() + timedelta(days=2, hours=23)
    )

    assert result.user.is_active is True


def test_confirm_email_for_an_address_changed_since_is_invalid() -> None:
    user = sign_up()
    assert user is not None
    User.objects.filter(pk=user.pk).update(email="autre@example.fr")

    with pytest.raises(TokenInvalid):
        user_confirm_email(token=token_from(mail.outbox[0]))


def test_confirmation_token_from_another_salt_is_invalid() -> None:
    from django.core import signing

    forged = signing.dumps({"u": 1, "e": "x@example.fr", "t": 0, "n": ""}, salt="other")

    with pytest.raises(TokenInvalid):
        read_confirmation_token(forged, now=timezone.now())


def test_confirmation_token_round_trip() -> None:
    now = timezone.now()
    token = make_confirmation_token(user_id=7, email="a@example.fr", next_url="/x/", now=now)

    confirmation = read_confirmation_token(token, now=now + timedelta(days=1))

    assert (confirmation.user_id, confirmation.email, confirmation.next_url) == (
        7,
        "a@example.fr",
        "/x/",
    )


def test_resend_confirmation_sends_only_to_pending_accounts() -> None:
    sign_up()
    UserFactory(email="active@example.fr")
    UserFactory(email="deactivated@example.fr", is_active=False)
    mail.outbox.clear()

    sent = [
        user_resend_confirmation(email=email, base_url=BASE)
        for email in ("alex.dupont@example.fr", "active@example.fr", "deactivated@example.fr")
    ]

    assert sent == [True, False, False]
    assert [m.to for m in mail.outbox] == [["alex.dupont@example.fr"]]


# --- profile and password ---------------------------------------------------


def test_update_profile_changes_the_names_and_logs_before_and_after() -> None:
    user = UserFactory(first_name="Camille", last_name="Martin")

    user_update_profile(user=user, first_name=" Camille ", last_name="Durand")

    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Camille", "Durand")
    entry = AuditLog.objects.for_object(user).get()
    assert entry.action == "user.update_profile"
    assert entry.data["before"] == {"first_name": "Camille", "last_name": "Martin"}


def test_update_profile_refuses_an_empty_name() -> None:
    user = UserFactory()

    with pytest.raises(DomainError):
        user_update_profile(user=user, first_name="Camille", last_name="  ")


def test_set_password_stores_it_and_forgets_failed_sign_ins() -> None:
    user = UserFactory()
    login_failure_record(email=user.email, ip="10.0.0.1")

    user_set_password(user=user, password="nouveau-mot-de-passe-99", how="reset")

    user.refresh_from_db()
    assert user.check_password("nouveau-mot-de-passe-99")
    assert not LoginThrottle.objects.filter(scope="email").exists()
    assert AuditLog.objects.for_object(user).get().data == {"how": "reset"}


# --- throttling -------------------------------------------------------------


def test_throttle_locks_the_address_at_the_fifth_failure() -> None:
    now = timezone.now()
    locks = [
        login_failure_record(email="x@example.fr", ip="10.0.0.1", now=now + timedelta(minutes=i))
        for i in range(EMAIL_LIMIT)
    ]

    assert locks[:-1] == [None] * (EMAIL_LIMIT - 1)
    assert locks[-1] is not None
    assert locks[-1].scope == "email"
    assert locks[-1].minutes_left == 15
    lock = login_lock(email="X@example.fr", ip="10.9.9.9", now=now + timedelta(minutes=10))
    assert lock is not None
    assert lock.minutes_left == 9  # locked at minute 4 for 15 minutes


def test_throttle_lifts_the_lock_after_fifteen_minutes() -> None:
    now = timezone.now()
    for _ in range(EMAIL_LIMIT):
        login_failure_record(email="x@example.fr", ip=None, now=now)

    assert login_lock(email="x@example.fr", ip=None, now=now + LOCK - timedelta(seconds=1))
    assert login_lock(email="x@example.fr", ip=None, now=now + LOCK) is None


def test_throttle_forgets_failures_older_than_the_window() -> None:
    now = timezone.now()
    for _ in range(EMAIL_LIMIT - 1):
        login_failure_record(email="x@example.fr", ip=None, now=now)

    lock = login_failure_record(email="x@example.fr", ip=None, now=now + timedelta(minutes=16))

    assert lock is None
    assert LoginThrottle.objects.get(scope="email").failures == 1


def test_throttle_does_not_count_attempts_while_locked() -> None:
    now = timezone.now()
    for _ in range(EMAIL_LIMIT):
        login_failure_record(email="x@example.fr", ip=None, now=now)

    login_failure_record(email="x@example.fr", ip=None, now=now + timedelta(minutes=5))

    row = LoginThrottle.objects.get(scope="email")
    assert row.failures == EMAIL_LIMIT
    assert row.locked_until == now + LOCK


def test_throttle_locks_an_ip_address_trying_many_emails() -> None:
    now = timezone.now()
    for i in range(IP_LIMIT):
        login_failure_record(email=f"p{i}@example.fr", ip="10.0.0.1", now=now)

    lock = login_lock(email="new@example.fr", ip="10.0.0.1", now=now)

    assert lock is not None
    assert lock.scope == "ip"
    assert login_lock(email="new@example.fr", ip="10.0.0.2", now=now) is None


def test_throttle_success_resets_the_email_counter_only() -> None:
    for _ in range(EMAIL_LIMIT - 1):
        login_failure_record(email="x@example.fr", ip="10.0.0.1")

    login_success_record(email="X@example.fr")

    assert list(LoginThrottle.objects.values_list("scope", "failures")) == [("ip", EMAIL_LIMIT - 1)]


def test_throttle_lock_of_an_existing_account_is_audited() -> None:
    user = UserFactory(email="camille@example.fr")
    for _ in range(EMAIL_LIMIT):
        login_failure_record(email="camille@example.fr", ip="10.0.0.1")

    entry = AuditLog.objects.for_object(user).get()
    assert entry.action == "user.login_locked"
    assert entry.data["ip"] == "10.0.0.1"
