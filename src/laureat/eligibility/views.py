"""The manager's eligibility pages: the call's rules, the submitted applications with their
verdicts and bulk decisions, and the report of one application.

Thin views: access check (404 for an unknown call, 403 for anybody who does not
manage it), form, domain call, redirect with a message. A ``DomainError`` becomes
a form error or an alert; what was typed stays in the form.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from laureat.accounts.models import User
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.eligibility import domain
from laureat.eligibility.domain import BulkResult
from laureat.eligibility.enums import RuleKind
from laureat.eligibility.forms import (
    BULK_ACTIONS,
    RULE_FORMS,
    DecisionForm,
    FilterForm,
    RuleForm,
)
from laureat.eligibility.models import EligibilityReport, EligibilityRule
from laureat.eligibility.queries import (
    ELIGIBILITY_STATES,
    LISTED_STATES,
    ListFilters,
    call_names,
    call_rules,
    decision_history,
    eligibility_applications,
)
from laureat.eligibility.rules_engine import describe
from laureat.programmes.models import Call
from laureat.territories.models import Region


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _call(request: HttpRequest, slug: str) -> Call:
    """The call if ``request.user`` manages it: 404 when unknown, 403 otherwise."""
    call = Call.objects.select_related("programme").filter(slug=slug).first()
    if call is None:
        raise Http404(_("Aucun appel à projets ne porte cet identifiant."))
    if not request.user.has_perm("programmes.manage_programme", call):
        raise PermissionDenied(_("Seuls les gestionnaires du programme gèrent la recevabilité."))
    return call


def _posted(request: HttpRequest) -> Any:
    """The posted data (even empty), or None for a GET: an empty POST must be validated."""
    return request.POST if request.method == "POST" else None


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _report_skipped(request: HttpRequest, result: BulkResult) -> None:
    if result.skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d candidature laissée telle quelle : %(details)s",
                "%(count)d candidatures laissées telles quelles : %(details)s",
                len(result.skipped),
            )
            % {
                "count": len(result.skipped),
                "details": " ; ".join(f"{ref} — {why}" for ref, why in result.skipped),
            },
        )


# --- the list of submitted applications --------------------------------------------


def _filters(form: FilterForm) -> ListFilters:
    if not form.is_valid():
        # Unknown values in the address: keep those that are valid.
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    else:
        data = form.cleaned_data
    return ListFilters(
        verdict=data.get("verdict") or "",
        state=data.get("state") or "",
        region=data.get("region") or "",
        kind=data.get("kind") or "",
        q=data.get("q") or "",
    )


def _querystring(filters: ListFilters) -> str:
    values = {k: v for k, v in vars(filters).items() if v}
    return urlencode(values)


def _bulk(
    request: HttpRequest, call: Call, filters: ListFilters
) -> tuple[BulkResult | None, dict[str, Any]]:
    """Apply the bulk action posted; (result, errors and typed values for the page)."""
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    state: dict[str, Any] = {"reason": reason, "action": action, "selected": set()}
    if action not in dict(BULK_ACTIONS):
        state["error"] = _("Choisissez l'action à appliquer.")
        return None, state
    chosen = eligibility_applications(call, filters)
    if request.POST.get("all_filtered") != "1":
        ids = {int(v) for v in request.POST.getlist("applications") if v.isdigit()}
        state["selected"] = ids
        chosen = chosen.filter(pk__in=ids)
    applications = list(chosen)
    if not applications:
        state["error"] = _(
            "Cochez au moins une candidature, ou « toutes les candidatures filtrées »."
        )
        return None, state
    by = _user(request)
    try:
        if action == "eligible":
            result = domain.eligibility_confirm_eligible(
                applications=applications, by=by, reason=reason
            )
        elif action == "ineligible":
            result = domain.eligibility_close_ineligible(
                applications=applications, by=by, reason=reason, base_url=_base_url(request)
            )
        else:
            result = domain.eligibility_start_review(applications=applications, by=by)
    except DomainError as error:
        state["error"] = str(error)
        return None, state
    return result, state


_DONE_MESSAGES = {
    "eligible": ("%d candidature déclarée recevable.", "%d candidatures déclarées recevables."),
    "ineligible": (
        "%d candidature déclarée irrecevable ; le porteur est prévenu par courriel.",
        "%d candidatures déclarées irrecevables ; les porteurs sont prévenus par courriel.",
    ),
    "review": ("%d candidature mise en évaluation.", "%d candidatures mises en évaluation."),
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(request, slug)
    regions = list(Region.objects.values_list("code", "name").order_by("name"))
    filter_form = FilterForm(request.GET or None, regions=regions)
    filters = _filters(filter_form) if request.GET else ListFilters()
    page_url = reverse("eligibility:manage", kwargs={"slug": call.slug})
    query = _querystring(filters)
    bulk: dict[str, Any] = {"reason": "", "action": "", "selected": set()}
    if request.method == "POST":
        result, bulk = _bulk(request, call, filters)
        if result is not None:
            singular, plural = _DONE_MESSAGES[bulk["action"]]
            if int(result) or not result.skipped:
                messages.success(request, ngettext(singular, plural, int(result)) % int(result))
            _report_skipped(request, result)
            return redirect(f"{page_url}?{query}" if query else page_url)
    applications = list(eligibility_applications(call, filters))
    context = {
        "call": call,
        "applications": applications,
        "filter_form": filter_form,
        "query": query,
        "bulk": bulk,
        "bulk_actions": BULK_ACTIONS,
        "rules_count": call_rules(call).filter(active=True).count(),
        "total": eligibility_applications(call).count(),
    }
    return render(
        request, "eligibility/manage.html", context, status=400 if bulk.get("error") else 200
    )


# --- rules ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def rules(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(request, slug)
    names = call_names(call)
    rows = [
        {"rule": rule, "label": describe(rule.kind, rule.parameters, names)}
        for rule in call_rules(call)
    ]
    context = {"call": call, "rows": rows, "kinds": RuleKind.choices}
    return render(request, "eligibility/rules.html", context)


def _rule_form_page(
    request: HttpRequest, call: Call, form: RuleForm, rule: EligibilityRule | None
) -> HttpResponse:
    context = {
        "call": call,
        "form": form,
        "rule": rule,
        "kind_label": RuleKind(form.kind).label,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "eligibility/rule_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_add(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    call = _call(request, slug)
    form_class = RULE_FORMS.get(kind)
    if form_class is None:
        raise Http404(_("Ce type de règle n'existe pas."))
    names = call_names(call)
    form = form_class(_posted(request), names=names)
    if request.method == "POST" and form.is_valid():
        try:
            domain.eligibility_rule_add(
                call=call, kind=kind, parameters=form.parameters(), by=_user(request)
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "Règle ajoutée. Réévaluez les candidatures "
                    "pour l'appliquer aux dossiers déposés."
                ),
            )
            return redirect("eligibility:rules", slug=call.slug)
    return _rule_form_page(request, call, form, None)


def _rule(call: Call, pk: int) -> EligibilityRule:
    return get_object_or_404(EligibilityRule.objects.select_related("call"), pk=pk, call=call)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _call(request, slug)
    rule = _rule(call, pk)
    form_class = RULE_FORMS[rule.kind]
    names = call_names(call)
    form = form_class(
        _posted(request), names=names, initial=form_class.initial_from(rule.parameters)
    )
    if request.method == "POST" and form.is_valid():
        try:
            domain.eligibility_rule_update(
                rule=rule, parameters=form.parameters(), by=_user(request)
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Règle modifiée."))
            return redirect("eligibility:rules", slug=call.slug)
    return _rule_form_page(request, call, form, rule)


@login_required
@require_POST
def rule_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponseRedirect:
    call = _call(request, slug)
    rule = _rule(call, pk)
    try:
        domain.eligibility_rule_update(rule=rule, active=not rule.active, by=_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Règle réactivée.") if rule.active else _("Règle désactivée."))
    return redirect("eligibility:rules", slug=call.slug)


@login_required
@require_POST
def rule_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponseRedirect:
    call = _call(request, slug)
    rule = _rule(call, pk)
    try:
        domain.eligibility_rule_remove(rule=rule, by=_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Règle supprimée."))
    return redirect("eligibility:rules", slug=call.slug)


@login_required
@require_POST
def reevaluate(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    call = _call(request, slug)
    try:
        count = domain.eligibility_reevaluate_call(call=call, by=_user(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext("%d candidature réévaluée.", "%d candidatures réévaluées.", count) % count,
        )
    target = request.POST.get("next")
    if target == "rules":
        return redirect("eligibility:rules", slug=call.slug)
    return redirect("eligibility:manage", slug=call.slug)


# --- one application's report --------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _call(request, slug)
    application = get_object_or_404(
        Application.objects.select_related("organisation", "commune__department__region", "call"),
        pk=pk,
        call=call,
        state__in=LISTED_STATES,
    )
    report_row = EligibilityReport.objects.filter(application=application).first()
    form = DecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        eligible = form.cleaned_data["decision"] == "eligible"
        try:
            domain.eligibility_confirm(
                application=application,
                eligible=eligible,
                reason=form.cleaned_data["reason"],
                by=_user(request),
                base_url=_base_url(request),
            )
        except DomainError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(
                request,
                _("Candidature %s déclarée recevable.") % application.reference
                if eligible
                else _("Candidature %s déclarée irrecevable ; le porteur est prévenu par courriel.")
                % application.reference,
            )
            return redirect("eligibility:report", slug=call.slug, pk=application.pk)
    context = {
        "call": call,
        "application": application,
        "report": report_row,
        "form": form,
        "can_decide": application.state in ELIGIBILITY_STATES,
        "history": decision_history(application),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "eligibility/report.html", context, status=status)
