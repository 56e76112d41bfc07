from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from dsfr.forms import DsfrBaseForm

from laureat.accounts.domain import user_set_password
from laureat.accounts.models import User
from laureat.accounts.throttle import (
    Lock,
    login_failure_record,
    login_lock,
    login_success_record,
)

# The validators' rules as one plain sentence: DSFR puts the hint inside the <label>,
# where Django's <ul> version would be invalid HTML. Lazy: read in the active language.
_password_help_text = lazy(
    lambda: " ".join(password_validation.password_validators_help_texts()), str
)


def _lock_error(lock: Lock) -> ValidationError:
    message = ngettext(
        "Trop de tentatives de connexion échouées. Par sécurité, la connexion est "
        "bloquée : réessayez dans %(minutes)d minute, ou réinitialisez votre mot de passe.",
        "Trop de tentatives de connexion échouées. Par sécurité, la connexion est "
        "bloquée : réessayez dans %(minutes)d minutes, ou réinitialisez votre mot de passe.",
        lock.minutes_left,
    ) % {"minutes": lock.minutes_left}
    return ValidationError(message, code="throttled")


class LoginForm(DsfrBaseForm, AuthenticationForm):
    """Sign-in by email, throttled (``accounts.throttle``).

    When the password is right but the address was never confirmed, the error
    says so and ``unconfirmed_email`` is set, so the page can offer a new link.
    That is only said to someone who knows the password: it reveals nothing.
    """

    error_messages = {
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. "
            "Vérifiez votre saisie ; le mot de passe tient compte des majuscules."
        ),
        "inactive": _("Ce compte est désactivé."),
        "unconfirmed": _(
            "Votre adresse électronique n'est pas encore confirmée : suivez le lien du "
            "message que nous vous avons envoyé, ou demandez-en un nouveau."
        ),
    }

    unconfirmed_email: str = ""

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:
            return super().clean()
        ip = self.request.META.get("REMOTE_ADDR") if self.request is not None else None
        lock = login_lock(email=email, ip=ip)
        if lock is not None:
            raise _lock_error(lock)
        try:
            cleaned = super().clean()
        except ValidationError:
            pending = User.objects.filter(
                email__iexact=email.strip(), email_confirmation_pending=True
            ).first()
            if pending is not None and pending.check_password(password):
                self.unconfirmed_email = pending.email
                raise ValidationError(
                    self.error_messages["unconfirmed"], code="unconfirmed"
                ) from None
            lock = login_failure_record(email=email, ip=ip)
            if lock is not None:
                raise _lock_error(lock) from None
            raise
        login_success_record(email=email)
        return cleaned


class SignUpForm(DsfrBaseForm):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("Format attendu : nom@domaine.fr. Elle vous servira à vous connecter."),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_password_help_text(),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Saisissez le même mot de passe une seconde fois."),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif password1:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ResendConfirmationForm(DsfrBaseForm):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("L'adresse avec laquelle vous avez créé votre compte."),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProfileForm(DsfrBaseForm):
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )


class DsfrPasswordResetForm(DsfrBaseForm, PasswordResetForm):
    pass


class DsfrSetPasswordForm(DsfrBaseForm, SetPasswordForm):
    """The new password after a reset link; saved through ``user_set_password``."""

    def save(self, commit: bool = True) -> Any:
        password = self.cleaned_data["new_password1"]
        if not commit:
            self.user.set_password(password)
            return self.user
        return user_set_password(user=self.user, password=password, how="reset")


class DsfrPasswordChangeForm(DsfrBaseForm, PasswordChangeForm):
    """Old password, then the new one twice; saved through ``user_set_password``."""

    def save(self, commit: bool = True) -> Any:
        password = self.cleaned_data["new_password1"]
        if not commit:
            self.user.set_password(password)
            return self.user
        return user_set_password(user=self.user, password=password, how="change")
