"""Organisation pages: my organisations, registration, members, invitations, collaborators.

Thin views: access check (``applicants/rules.py``), form, domain call, response.
An organisation (or application) the person has no access to is a 404: its
existence is private. A member who lacks the right for an action gets a 403.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from laureat.accounts.models import User
from laureat.applicants import queries
from laureat.applicants.domain import (
    collaborator_remove,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_revoke,
    membership_remove,
    membership_set_role,
    organisation_register,
    siret_taken_message,
)
from laureat.applicants.enums import MembershipRole
from laureat.applicants.forms import (
    CollaboratorInvitationForm,
    InvitationForm,
    OrganisationForm,
    RoleForm,
    commune_label,
)
from laureat.applicants.models import ApplicationCollaborator, Invitation, Membership, Organisation
from laureat.applicants.siret import clean_siret
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.territories.queries import communes_search


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _organisation_for(request: HttpRequest, pk: int) -> Organisation:
    """The organisation, if the person may see it; otherwise a 404 (its existence is private)."""
    organisation = (
        Organisation.objects.select_related("legal_category", "commune__department")
        .filter(pk=pk)
        .first()
    )
    if organisation is None or not request.user.has_perm(
        "applicants.view_organisation", organisation
    ):
        raise Http404(_("Aucune de vos organisations ne porte cet identifiant."))
    return organisation


def _require(request: HttpRequest, perm: str, obj: Any) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(_("Seuls les administrateurs de l'organisation peuvent faire cela."))


@login_required
@require_safe
def organisation_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "memberships": list(queries.memberships_of_user(user)),
        "invitations": list(queries.invitations_for_user(user, timezone.now())),
    }
    return render(request, "applicants/organisation_list.html", context)


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = organisation_register(
                name=data["name"],
                siret=data["siret"],
                kind=data["kind"],
                legal_category_code=data["legal_category"] or None,
                address=data["address"],
                commune=data["commune"],
                website=data["website"],
                by=_user(request),
            )
        except DomainError as error:
            field = "siret" if error.code in {"siret", "siret_taken"} else None
            form.add_error(field, error.message)
        else:
            messages.success(
                request,
                _("L'organisation « %(name)s » est enregistrée ; vous en êtes administrateur.")
                % {"name": organisation.name},
            )
            return redirect("applicants:detail", pk=organisation.pk)
    return render(request, "applicants/organisation_form.html", {"form": form})


def _detail_context(
    request: HttpRequest, organisation: Organisation, invite_form: InvitationForm | None = None
) -> dict[str, Any]:
    user = request.user
    can_manage = user.has_perm("applicants.invite_to_organisation", organisation)
    members = list(queries.organisation_members(organisation))
    return {
        "organisation": organisation,
        "members": members,
        "admin_count": sum(1 for m in members if m.role == "admin"),
        "invitations": list(queries.organisation_invitations(organisation)) if can_manage else [],
        "can_manage": can_manage,
        "now": timezone.now(),
        "invite_form": invite_form or InvitationForm(),
        "role_choices": MembershipRole.choices,
    }


@login_required
@require_safe
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation_for(request, pk)
    return render(
        request, "applicants/organisation_detail.html", _detail_context(request, organisation)
    )


@login_required
@require_POST
def organisation_invite(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation_for(request, pk)
    _require(request, "applicants.invite_to_organisation", organisation)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=_user(request),
                site_url=_site_url(request),
            )
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s ; le lien est valable jusqu'au %(date)s.")
                % {
                    "email": invitation.email,
                    "date": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y"),
                },
            )
            return redirect("applicants:detail", pk=organisation.pk)
    context = _detail_context(request, organisation, invite_form=form)
    return render(request, "applicants/organisation_detail.html", context, status=400)


def _membership_for(request: HttpRequest, pk: int, membership_pk: int) -> Membership:
    organisation = _organisation_for(request, pk)
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=membership_pk,
        organisation=organisation,
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    membership = _membership_for(request, pk, membership_pk)
    _require(request, "applicants.remove_member", membership)
    user = _user(request)
    leaving = membership.user_id == user.pk
    try:
        membership_remove(membership=membership, by=user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("applicants:detail", pk=pk)
    if leaving:
        messages.success(
            request,
            _("Vous avez quitté « %(organisation)s ».")
            % {"organisation": membership.organisation.name},
        )
        return redirect("applicants:list")
    messages.success(
        request,
        _("%(person)s ne fait plus partie de l'organisation.")
        % {"person": membership.user.get_full_name() or membership.user.email},
    )
    return redirect("applicants:detail", pk=pk)


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    membership = _membership_for(request, pk, membership_pk)
    _require(request, "applicants.change_member_role", membership)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez un rôle dans la liste."))
        return redirect("applicants:detail", pk=pk)
    try:
        membership = membership_set_role(
            membership=membership, role=form.cleaned_data["role"], by=_user(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(person)s a désormais le rôle « %(role)s ».")
            % {
                "person": membership.user.get_full_name() or membership.user.email,
                "role": membership.get_role_display(),
            },
        )
    return redirect("applicants:detail", pk=pk)


@login_required
@require_POST
def invitation_revoke_view(request: HttpRequest, invitation_pk: int) -> HttpResponse:
    invitation = Invitation.objects.select_related("organisation").filter(pk=invitation_pk).first()
    if invitation is None or not request.user.has_perm(
        "applicants.view_organisation", invitation.organisation
    ):
        raise Http404(_("Aucune invitation ne porte cet identifiant."))
    _require(request, "applicants.revoke_invitation", invitation)
    try:
        invitation_revoke(invitation=invitation, by=_user(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("L'invitation de %(email)s est retirée.") % {"email": invitation.email}
        )
    if invitation.application_id is not None:
        return redirect("applicants:invite_collaborator", application_pk=invitation.application_id)
    return redirect("applicants:detail", pk=invitation.organisation_id)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation's link opens: see what it is for, accept or decline."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponse(status=405)
    found = (
        Invitation.objects.select_related("organisation", "application__call", "invited_by")
        .filter(token=token)
        .first()
    )
    if found is None:
        raise Http404(_("Ce lien d'invitation n'existe pas. Vérifiez qu'il est complet."))
    user = _user(request)
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                invitation_accept(invitation=found, by=user)
            elif answer == "decline":
                invitation_decline(invitation=found, by=user)
            else:
                raise DomainError(_("Choisissez d'accepter ou de décliner l'invitation."))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("applicants:invitation", token=token)
        if answer == "decline":
            messages.info(request, _("Vous avez décliné l'invitation."))
            return redirect("applicants:list")
        if found.application_id is not None:
            messages.success(
                request,
                _("Vous co-rédigez désormais la candidature « %(title)s ».")
                % {"title": found.application.title if found.application else ""},
            )
            return redirect("applicants:list")
        messages.success(
            request,
            _("Bienvenue dans « %(organisation)s ».") % {"organisation": found.organisation.name},
        )
        return redirect("applicants:detail", pk=found.organisation_id)
    now = timezone.now()
    context = {
        "invitation": found,
        "expired": found.expires_at <= now,
        "email_matches": found.email.lower() == user.email.lower(),
    }
    return render(request, "applicants/invitation.html", context)


def _application_for(request: HttpRequest, application_pk: int) -> Application:
    application = (
        Application.objects.select_related("organisation", "call").filter(pk=application_pk).first()
    )
    if application is None or not request.user.has_perm(
        "applications.view_application", application
    ):
        raise Http404(_("Aucune de vos candidatures ne porte cet identifiant."))
    return application


@login_required
def invite_collaborator(request: HttpRequest, application_pk: int) -> HttpResponse:
    application = _application_for(request, application_pk)
    if not request.user.has_perm("applicants.invite_collaborator", application):
        raise PermissionDenied(
            _("Seuls les membres de l'organisation porteuse peuvent inviter des co-rédacteurs.")
        )
    form = CollaboratorInvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = invitation_create(
                    organisation=application.organisation,
                    application=application,
                    email=form.cleaned_data["email"],
                    by=_user(request),
                    site_url=_site_url(request),
                )
            except DomainError as error:
                form.add_error("email", error.message)
            else:
                messages.success(
                    request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email}
                )
                return redirect("applicants:invite_collaborator", application_pk=application.pk)
        status = 400
    context = {
        "application": application,
        "form": form,
        "collaborators": list(queries.application_collaborators(application.pk)),
        "invitations": list(queries.application_invitations(application.pk)),
    }
    return render(request, "applicants/invite_collaborator.html", context, status=status)


@login_required
@require_POST
def collaborator_remove_view(request: HttpRequest, collaborator_pk: int) -> HttpResponse:
    collaborator = (
        ApplicationCollaborator.objects.select_related("application__organisation", "user")
        .filter(pk=collaborator_pk)
        .first()
    )
    if collaborator is None or not request.user.has_perm(
        "applications.view_application", collaborator.application
    ):
        raise Http404(_("Aucun co-rédacteur ne porte cet identifiant."))
    _require(request, "applicants.remove_collaborator", collaborator)
    user = _user(request)
    leaving = collaborator.user_id == user.pk
    collaborator_remove(collaborator=collaborator, by=user)
    messages.success(
        request,
        _("%(person)s ne co-rédige plus cette candidature.")
        % {"person": collaborator.user.get_full_name() or collaborator.user.email},
    )
    if leaving:
        return redirect("applicants:list")
    return redirect("applicants:invite_collaborator", application_pk=collaborator.application_id)


@login_required
@require_safe
def commune_search(request: HttpRequest) -> JsonResponse:
    """``?q=chalon`` → ``{"results": [{"value": "Chalon-sur-Saône (71076)", "label": ...}]}``."""
    communes = communes_search(request.GET.get("q", "")[:60], limit=15)
    results = [
        {
            "value": commune_label(c),
            "label": f"{c.postal_codes.split()[0] if c.postal_codes else ''} — {c.department.name}",
        }
        for c in communes
    ]
    return JsonResponse({"results": results})


@login_required
@require_safe
def siret_check(request: HttpRequest) -> JsonResponse:
    """``?siret=...`` → ``{"valid": bool, "message": str}``: the form's SIRET checks, live."""
    try:
        siret = clean_siret(request.GET.get("siret", "")[:40])
    except ValidationError as error:
        return JsonResponse({"valid": False, "message": error.messages[0]})
    existing = queries.organisation_by_siret(siret)
    if existing is not None:
        return JsonResponse({"valid": False, "message": siret_taken_message(existing)})
    return JsonResponse({"valid": True, "message": _("SIRET valide.")})
