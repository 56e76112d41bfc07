"""People sign in with their email address; there is no separate user name.

A person who signs up is inactive, with ``email_confirmation_pending`` set, until
they follow the link sent to their address (``accounts.domain.user_confirm_email``).
The flag tells such an account apart from one an administrator deactivated: only
the former may ask for a new confirmation link.
"""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class EmailUserManager(UserManager["User"]):
    def _create_user_with_email(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user_with_email(email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user_with_email(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse électronique"), unique=True)
    email_confirmation_pending = models.BooleanField(
        _("confirmation de l'adresse en attente"),
        default=False,
        help_text=_("Le compte a été créé en ligne et l'adresse n'a pas encore été confirmée."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            # An account waiting for its email confirmation cannot be active.
            models.CheckConstraint(
                condition=~models.Q(email_confirmation_pending=True, is_active=True),
                name="accounts_user_pending_is_inactive",
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email


class LoginThrottle(models.Model):
    """Failed sign-in attempts for one email address or one IP address.

    Why the database rather than a cache: Laureat runs several gunicorn
    processes and configures no shared cache (the default local-memory cache is
    per process, so an attacker would get N x the limit). One small row per
    key is enough: the counter is updated inside a transaction with the row
    locked (``select_for_update`` on PostgreSQL; SQLite's IMMEDIATE transactions
    serialise writers), so concurrent processes count every failure. The rules
    live in ``accounts.throttle``.
    """

    class Scope(models.TextChoices):
        EMAIL = "email", _("adresse électronique")
        IP = "ip", _("adresse IP")

    scope = models.CharField(_("portée"), max_length=5, choices=Scope.choices)
    key = models.CharField(_("clé"), max_length=254)
    failures = models.PositiveIntegerField(_("échecs"), default=0)
    window_start = models.DateTimeField(_("début de la fenêtre"))
    locked_until = models.DateTimeField(_("bloqué jusqu'à"), null=True, blank=True)

    class Meta:
        verbose_name = _("limitation des connexions")
        verbose_name_plural = _("limitations des connexions")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="accounts_throttle_scope_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} ({self.failures})"
