"""Sign-up, email confirmation, profile. Sign-in, sign-out and passwords use Django's views."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from laureat.accounts.domain import (
    TokenExpired,
    TokenInvalid,
    user_confirm_email,
    user_resend_confirmation,
    user_sign_up,
    user_update_profile,
)
from laureat.accounts.forms import ProfileForm, ResendConfirmationForm, SignUpForm
from laureat.accounts.models import User
from laureat.accounts.tokens import CONFIRMATION_MAX_AGE
from laureat.core.errors import DomainError

# The session key holding the address a confirmation was sent to, for the "check your email" page.
SENT_TO_SESSION_KEY = "accounts_confirmation_sent_to"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it points into this site, outside the account pages, else ""."""
    if not candidate or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    try:
        match = resolve(urlsplit(candidate).path)
    except Resolver404:
        return candidate
    # Back to the sign-in or sign-up page once signed in would be a dead end.
    return "" if match.namespace == "accounts" else candidate


class SignUpView(FormView):
    template_name = "accounts/signup.html"
    form_class = SignUpForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return redirect("accounts:profile")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["next"] = _safe_next(
            self.request, self.request.POST.get("next") or self.request.GET.get("next")
        )
        return context

    def form_valid(self, form: SignUpForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            user_sign_up(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                base_url=_base_url(self.request),
                next_url=_safe_next(self.request, self.request.POST.get("next")),
            )
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        self.request.session[SENT_TO_SESSION_KEY] = data["email"]
        return redirect("accounts:signup_done")


class SignUpDoneView(TemplateView):
    """The same page whether the address was new or already known."""

    template_name = "accounts/signup_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sent_to"] = self.request.session.get(SENT_TO_SESSION_KEY, "")
        context["days"] = CONFIRMATION_MAX_AGE.days
        return context


class ConfirmEmailView(View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            result = user_confirm_email(token=token)
        except TokenExpired as expired:
            form = ResendConfirmationForm(initial={"email": expired.email})
            return render(
                request,
                "accounts/confirm_failed.html",
                {"expired": True, "form": form, "days": CONFIRMATION_MAX_AGE.days},
                status=400,
            )
        except TokenInvalid:
            form = ResendConfirmationForm()
            return render(
                request,
                "accounts/confirm_failed.html",
                {"expired": False, "form": form, "days": CONFIRMATION_MAX_AGE.days},
                status=400,
            )
        if result.already_confirmed:
            messages.info(
                request,
                _("Votre adresse électronique est déjà confirmée : connectez-vous pour continuer."),
            )
            return redirect("accounts:login")
        login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Votre adresse électronique est confirmée : bienvenue sur Laureat !")
        )
        target = _safe_next(request, result.next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)
        return HttpResponseRedirect(target)


class ResendConfirmationView(FormView):
    template_name = "accounts/resend_confirmation.html"
    form_class = ResendConfirmationForm

    def get_initial(self) -> dict[str, Any]:
        return {"email": self.request.GET.get("email", "")}

    def form_valid(self, form: ResendConfirmationForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        user_resend_confirmation(email=email, base_url=_base_url(self.request))
        self.request.session[SENT_TO_SESSION_KEY] = email
        return redirect("accounts:signup_done")


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm

    def get_initial(self) -> dict[str, Any]:
        user = self._user()
        return {"first_name": user.first_name, "last_name": user.last_name}

    def _user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # LoginRequiredMixin let only signed-in people in
        return user

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        try:
            user_update_profile(
                user=self._user(),
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Votre profil est enregistré."))
        return redirect(reverse("accounts:profile"))
