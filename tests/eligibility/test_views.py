"""The manager's eligibility pages: access, rules, the list with its filters and bulk actions,
and the report page."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.eligibility.domain import eligibility_rule_add
from laureat.eligibility.enums import RuleKind
from laureat.eligibility.models import EligibilityReport, EligibilityRule
from laureat.programmes.enums import ProgrammeRoleKind
from laureat.programmes.models import Call
from tests.eligibility.test_domain import submitted
from tests.factories import PASSWORD, CallFactory, OpenCall, ProgrammeRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client: Client, manager: User) -> Client:
    assert client.login(email=manager.email, password=PASSWORD)
    return client


def _url(call: Call, name: str = "manage", **kwargs: Any) -> str:
    return reverse(f"eligibility:{name}", kwargs={"slug": call.slug, **kwargs})


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- access ----------------------------------------------------------------------------


def test_pages_anonymous_redirected_to_login(client: Client, open_call: Call) -> None:
    response = client.get(_url(open_call))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_pages_applicant_refused(client: Client, open_call: Call) -> None:
    application = submitted(open_call)
    member = application.organisation.memberships.get().user
    client.force_login(member)
    for url in (
        _url(open_call),
        _url(open_call, "rules"),
        _url(open_call, "report", pk=application.pk),
    ):
        assert client.get(url).status_code == 403
    response = client.post(_url(open_call, "reevaluate"))
    assert response.status_code == 403


def test_pages_reviewer_refused(client: Client, open_call: Call) -> None:
    reviewer = ProgrammeRoleFactory(
        programme=open_call.programme, role=ProgrammeRoleKind.REVIEWER
    ).user
    client.force_login(reviewer)
    assert client.get(_url(open_call)).status_code == 403


def test_manager_of_another_programme_refused(client: Client, open_call: Call) -> None:
    other = ProgrammeRoleFactory(role=ProgrammeRoleKind.MANAGER).user
    client.force_login(other)
    assert client.get(_url(open_call, "rules")).status_code == 403


def test_unknown_call_is_404(manager_client: Client) -> None:
    response = manager_client.get(reverse("eligibility:manage", kwargs={"slug": "inconnu"}))
    assert response.status_code == 404


# --- rules -----------------------------------------------------------------------------


def test_rule_add_learners(manager_client: Client, open_call: Call) -> None:
    response = manager_client.post(_url(open_call, "rule_add", kind="learners"), {"minimum": "30"})
    assert response.status_code == 302
    rule = EligibilityRule.objects.get()
    assert (rule.kind, rule.parameters) == (RuleKind.LEARNERS, {"min": 30})
    page = manager_client.get(_url(open_call, "rules"))
    assert "Au moins 30 apprenant(s) visé(s)" in page.content.decode()


def test_rule_add_bad_input_shows_message(manager_client: Client, open_call: Call) -> None:
    response = manager_client.post(_url(open_call, "rule_add", kind="holder_kinds"), {})
    assert response.status_code == 400
    assert "Cochez au moins un type de structure." in response.content.decode()
    response = manager_client.post(
        _url(open_call, "rule_add", kind="start_date"),
        {"earliest": "2024-05-01", "latest": "2024-01-01"},
    )
    assert response.status_code == 400
    assert "La fenêtre se termine avant de commencer." in response.content.decode()
    assert EligibilityRule.objects.count() == 0


def test_rule_add_unknown_kind_is_404(manager_client: Client, open_call: Call) -> None:
    assert manager_client.get(_url(open_call, "rule_add", kind="astrologie")).status_code == 404


def test_rule_add_funder_request_and_edit(
    manager_client: Client, open_call_setup: OpenCall
) -> None:
    call = open_call_setup.call
    funder = open_call_setup.banque_des_territoires
    response = manager_client.post(
        _url(call, "rule_add", kind="funder_request"),
        {"funder": str(funder.pk), "minimum": "", "maximum": "200000"},
    )
    assert response.status_code == 302
    rule = EligibilityRule.objects.get()
    assert rule.parameters == {"funder_id": funder.pk, "min": "0.00", "max": "200000.00"}
    page = manager_client.get(_url(call, "rule_edit", pk=rule.pk))
    assert 'value="200000.00"' in page.content.decode()
    response = manager_client.post(
        _url(call, "rule_edit", pk=rule.pk),
        {"funder": str(funder.pk), "minimum": "1000", "maximum": "500"},
    )
    assert response.status_code == 400
    assert "Le maximum est inférieur au minimum." in response.content.decode()


def test_rule_territory_form(manager_client: Client, open_call: Call) -> None:
    response = manager_client.post(
        _url(open_call, "rule_add", kind="territory"), {"regions": ["27"], "departments": "29, 2A"}
    )
    assert response.status_code == 302
    assert EligibilityRule.objects.get().parameters == {
        "regions": ["27"],
        "departments": ["29", "2A"],
    }
    response = manager_client.post(
        _url(open_call, "rule_add", kind="territory"), {"departments": "999"}
    )
    assert response.status_code == 400
    assert "Codes INSEE non valides : 999." in response.content.decode()


def test_rule_toggle_and_remove(manager_client: Client, open_call: Call, manager: User) -> None:
    rule = eligibility_rule_add(
        call=open_call, kind=RuleKind.BUDGET_BALANCED, parameters={}, by=manager
    )
    manager_client.post(_url(open_call, "rule_toggle", pk=rule.pk))
    rule.refresh_from_db()
    assert rule.active is False
    manager_client.post(_url(open_call, "rule_remove", pk=rule.pk))
    assert EligibilityRule.objects.count() == 0


def test_reevaluate_button(manager_client: Client, open_call: Call, manager: User) -> None:
    application = submitted(open_call)
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 500}, by=manager
    )
    response = manager_client.post(_url(open_call, "reevaluate"), follow=True)
    assert "1 candidature réévaluée." in _messages(response)
    assert EligibilityReport.objects.get(application=application).passed is False


# --- the list ----------------------------------------------------------------------------


def test_list_shows_verdicts_and_filters(
    manager_client: Client, open_call: Call, manager: User
) -> None:
    eligibility_rule_add(
        call=open_call,
        kind=RuleKind.HOLDER_KINDS,
        parameters={"kinds": [OrganisationKind.UNIVERSITY]},
        by=manager,
    )
    good = submitted(open_call, kind=OrganisationKind.UNIVERSITY, title="Campus universitaire")
    bad = submitted(open_call, kind=OrganisationKind.COMPANY, title="Atelier privé")
    page = manager_client.get(_url(open_call))
    content = page.content.decode()
    assert (good.reference in content, bad.reference in content) == (True, True)
    assert "1 règle non respectée" in content

    failing = manager_client.get(_url(open_call), {"verdict": "failed"})
    assert [a.pk for a in failing.context["applications"]] == [bad.pk]
    by_kind = manager_client.get(_url(open_call), {"kind": OrganisationKind.UNIVERSITY})
    assert [a.pk for a in by_kind.context["applications"]] == [good.pk]
    by_text = manager_client.get(_url(open_call), {"q": "atelier"})
    assert [a.pk for a in by_text.context["applications"]] == [bad.pk]
    by_region = manager_client.get(_url(open_call), {"region": "27", "state": "submitted"})
    assert len(by_region.context["applications"]) == 2
    nonsense = manager_client.get(_url(open_call), {"verdict": "peut-être", "q": "campus"})
    assert [a.pk for a in nonsense.context["applications"]] == [good.pk]


def test_list_query_count_does_not_grow(
    manager_client: Client,
    open_call: Call,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    submitted(open_call)
    manager_client.get(_url(open_call))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        manager_client.get(_url(open_call))
    submitted(open_call)
    submitted(open_call)
    with django_assert_num_queries(len(one.captured_queries)):
        response = manager_client.get(_url(open_call))
    assert len(response.context["applications"]) == 3


def test_bulk_confirm_eligible_and_review(
    manager_client: Client, open_call: Call, manager: User
) -> None:
    first, second = submitted(open_call), submitted(open_call)
    response = manager_client.post(
        _url(open_call),
        {"action": "eligible", "applications": [str(first.pk), str(second.pk)]},
        follow=True,
    )
    assert "2 candidatures déclarées recevables." in _messages(response)
    response = manager_client.post(
        _url(open_call) + "?state=eligible", {"action": "review", "all_filtered": "1"}, follow=True
    )
    assert "2 candidatures mises en évaluation." in _messages(response)
    assert set(Application.objects.values_list("state", flat=True)) == {ApplicationState.IN_REVIEW}


def test_bulk_partial_refusal_is_reported(
    manager_client: Client, open_call: Call, manager: User
) -> None:
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 500}, by=manager
    )
    failing = submitted(open_call)
    response = manager_client.post(
        _url(open_call), {"action": "eligible", "all_filtered": "1"}, follow=True
    )
    [warning] = _messages(response)
    assert warning.startswith(f"1 candidature laissée telle quelle : {failing.reference}")
    failing.refresh_from_db()
    assert failing.state == ApplicationState.SUBMITTED


def test_bulk_ineligible_needs_reason_and_keeps_selection(
    manager_client: Client, open_call: Call
) -> None:
    application = submitted(open_call)
    response = manager_client.post(
        _url(open_call), {"action": "ineligible", "applications": [str(application.pk)]}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Indiquez le motif d&#x27;irrecevabilité." in content
    assert f'value="{application.pk}" id="select-{application.pk}" checked' in content


def test_bulk_ineligible_emails_applicant(
    manager_client: Client,
    open_call: Call,
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    application = submitted(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            _url(open_call),
            {
                "action": "ineligible",
                "reason": "Projet hors du champ de l'appel",
                "applications": [str(application.pk)],
            },
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.INELIGIBLE
    [message] = mailoutbox
    assert "Motif : Projet hors du champ de l'appel" in message.body
    assert f"http://testserver/candidatures/{application.pk}/" in message.body


def test_bulk_without_selection_or_action_shows_message(
    manager_client: Client, open_call: Call
) -> None:
    submitted(open_call)
    response = manager_client.post(_url(open_call), {"action": "eligible"})
    assert response.status_code == 400
    assert "Cochez au moins une candidature" in response.content.decode()
    response = manager_client.post(_url(open_call), {"action": "bogus", "all_filtered": "1"})
    assert response.status_code == 400
    assert "Choisissez l&#x27;action à appliquer." in response.content.decode()


# --- the report page ---------------------------------------------------------------------


def test_report_page_shows_rules_and_override_needs_reason(
    manager_client: Client, open_call: Call, manager: User
) -> None:
    eligibility_rule_add(
        call=open_call, kind=RuleKind.LEARNERS, parameters={"min": 500}, by=manager
    )
    application = submitted(open_call)
    url = _url(open_call, "report", pk=application.pk)
    page = manager_client.get(url)
    content = page.content.decode()
    assert "Le projet vise 120 apprenant(s), moins que le minimum de 500." in content
    assert reverse("applications:detail", kwargs={"pk": application.pk}) in content

    refused = manager_client.post(url, {"decision": "eligible", "reason": ""})
    assert refused.status_code == 400
    assert "indiquez le motif pour la déclarer recevable malgré tout" in refused.content.decode()

    response = manager_client.post(
        url, {"decision": "eligible", "reason": "Effectif justifié"}, follow=True
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.ELIGIBLE
    content = response.content.decode()
    assert "(contre le verdict des règles)" in content
    assert "« Effectif justifié »" in content
    assert manager.get_full_name() in content


def test_report_of_application_of_another_call_is_404(
    manager_client: Client, open_call: Call
) -> None:
    other = submitted(CallFactory(programme=open_call.programme))
    response = manager_client.get(_url(open_call, "report", pk=other.pk))
    assert response.status_code == 404


def test_applicant_dashboard_shows_no_report(client: Client, open_call: Call) -> None:
    application = submitted(open_call)
    member = application.organisation.memberships.get().user
    client.force_login(member)
    page = client.get(reverse("applications:detail", kwargs={"pk": application.pk}))
    assert page.status_code == 200
    assert "Règles respectées" not in page.content.decode()


def test_report_page_puts_eligible_application_in_review(
    manager_client: Client, open_call: Call, manager: User
) -> None:
    application = submitted(open_call)
    url = _url(open_call, "report", pk=application.pk)
    manager_client.post(url, {"decision": "eligible", "reason": ""})
    page = manager_client.get(url)
    assert "Mettre en évaluation" in page.content.decode()
    response = manager_client.post(
        _url(open_call), {"action": "review", "applications": [str(application.pk)]}, follow=True
    )
    assert "1 candidature mise en évaluation." in _messages(response)
    application.refresh_from_db()
    assert application.state == ApplicationState.IN_REVIEW
