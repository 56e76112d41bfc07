"""The applicant's pages: dashboard, start, each wizard step, budget totals, conflicts."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.domain import application_update_draft
from laureat.applications.models import Application
from laureat.programmes.models import Call
from tests.factories import OpenCall, make_complete_draft

pytestmark = pytest.mark.django_db


def _step(application: Application, step: str) -> str:
    return reverse("applications:step", args=[application.pk, step])


@pytest.fixture
def draft(open_call: Call, user: User, organisation: Organisation) -> Application:
    return make_complete_draft(open_call, user, organisation=organisation)


def test_start_creates_draft_and_opens_first_step(
    user_client: Client, open_call: Call, organisation: Organisation
) -> None:
    response = user_client.post(
        reverse("applications:start", args=[open_call.slug]),
        {"organisation": organisation.pk, "title": "Campus numérique"},
    )

    application = Application.objects.get()
    assert (application.title, application.organisation) == ("Campus numérique", organisation)
    assert response["Location"] == _step(application, "projet")


def test_start_without_organisation_explains_and_creates_nothing(
    user_client: Client, open_call: Call
) -> None:
    response = user_client.get(reverse("applications:start", args=[open_call.slug]))

    assert response.context["has_organisations"] is False
    assert "vous devez être membre" in response.content.decode()
    assert Application.objects.count() == 0


def test_call_page_offers_to_apply_when_signed_in(user_client: Client, open_call: Call) -> None:
    response = user_client.get(reverse("web:call_detail", args=[open_call.slug]))

    assert reverse("applications:start", args=[open_call.slug]) in response.content.decode()


def test_project_step_saves_and_goes_to_next(user_client: Client, draft: Application) -> None:
    response = user_client.post(
        _step(draft, "projet"),
        {
            "version": draft.version,
            "title": "Nouveau titre",
            "acronym": "NT",
            "summary": "Résumé",
            "description": "",
            "action": "next",
        },
    )

    draft.refresh_from_db()
    assert (draft.title, draft.acronym) == ("Nouveau titre", "NT")
    assert response["Location"] == _step(draft, "territoire")


def test_project_step_invalid_keeps_typed_data_and_saves_nothing(
    user_client: Client, draft: Application
) -> None:
    response = user_client.post(
        _step(draft, "projet"),
        {"version": draft.version, "title": "", "acronym": "X" * 41, "summary": "Tapé"},
    )

    body = response.content.decode()
    assert "Certaines saisies sont à corriger" in body
    assert "Tapé" in body
    assert Application.objects.get(pk=draft.pk).version == draft.version


def test_step_with_stale_version_shows_conflict_and_keeps_typed_data(
    user_client: Client, draft: Application, user: User
) -> None:
    stale = draft.version
    application_update_draft(
        application=draft, by=user, expected_version=stale, values={"acronym": "AUTRE"}
    )

    response = user_client.post(
        _step(draft, "projet"),
        {"version": stale, "title": "Mon titre à moi", "acronym": "MOI", "summary": ""},
    )

    body = response.content.decode()
    assert "Conflit d&#x27;enregistrement" in body or "Conflit d'enregistrement" in body
    assert "Recharger la dernière version" in body
    assert "Mon titre à moi" in body
    assert Application.objects.get(pk=draft.pk).acronym == "AUTRE"


def test_territory_step_searches_then_saves_commune(
    user_client: Client, draft: Application
) -> None:
    search = user_client.post(
        _step(draft, "territoire"),
        {"version": draft.version, "commune_query": "Nanterre", "action": "search"},
    )
    assert 'value="92050"' in search.content.decode()

    user_client.post(
        _step(draft, "territoire"),
        {"version": draft.version, "commune_query": "Nanterre", "commune": "92050"},
    )

    draft.refresh_from_db()
    assert draft.commune_id == "92050"


def test_learners_step_saves_number_and_date(user_client: Client, draft: Application) -> None:
    user_client.post(
        _step(draft, "publics"),
        {"version": draft.version, "learners_targeted": "1400", "start_date": "2027-09-01"},
    )

    draft.refresh_from_db()
    assert (draft.learners_targeted, draft.start_date) == (1400, date(2027, 9, 1))


def test_budget_step_saves_expenses_and_keeps_resources(
    user_client: Client, draft: Application, open_call_setup: OpenCall
) -> None:
    page = user_client.get(_step(draft, "budget"))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "expense_0_category": "engineering",
            "expense_0_label": "Études",
            "expense_0_amount": "120000",
        }
    )

    user_client.post(_step(draft, "budget"), data)

    draft.refresh_from_db()
    assert sorted(b.amount for b in draft.budget_lines.all()) == [
        Decimal("50000.00"),
        Decimal("120000.00"),
        Decimal("200000.00"),
    ]
    assert draft.resource_lines.count() == 3


def test_budget_totals_partial_computes_without_saving(
    user_client: Client, draft: Application, open_call_setup: OpenCall
) -> None:
    response = user_client.post(
        reverse("applications:budget_totals", args=[draft.pk]),
        {
            "version": draft.version,
            "expense_0_category": "engineering",
            "expense_0_amount": "1000",
            f"funder_{open_call_setup.banque_des_territoires.pk}": "400",
            "own_funds": "500",
        },
    )

    summary = response.context["summary"]
    assert (summary.total_expenses, summary.total_resources) == (
        Decimal("1000.00"),
        Decimal("900.00"),
    )
    assert summary.problems == [
        "Le budget n'est pas équilibré : les dépenses s'élèvent à 1\xa0000,00 € "
        "et les ressources à 900,00 € (écart : 100,00 €)."
    ]
    assert draft.budget_lines.count() == 3


def test_budget_totals_flags_request_over_envelope(
    user_client: Client, draft: Application, open_call_setup: OpenCall
) -> None:
    response = user_client.post(
        reverse("applications:budget_totals", args=[draft.pk]),
        {
            "version": draft.version,
            "expense_0_category": "engineering",
            "expense_0_amount": "5000000",
            f"funder_{open_call_setup.banque_des_territoires.pk}": "5000000",
        },
    )

    assert "dépasse son enveloppe" in response.content.decode()


def test_review_step_lists_problems_of_incomplete_draft(
    user_client: Client, open_call: Call, user: User, organisation: Organisation
) -> None:
    from laureat.applications.domain import application_create_draft

    application = application_create_draft(
        call=open_call, organisation=organisation, title="Vide", by=user
    )

    response = user_client.get(_step(application, "recapitulatif"))

    assert response.context["problems"][0] == "Rédigez le résumé du projet."


def test_unknown_step_is_404(user_client: Client, draft: Application) -> None:
    assert user_client.get(_step(draft, "inconnue")).status_code == 404


def test_submitted_application_steps_redirect_to_read_only_view(
    user_client: Client, draft: Application
) -> None:
    user_client.post(reverse("applications:submit", args=[draft.pk]))

    response = user_client.get(_step(draft, "projet"))

    assert response["Location"] == reverse("applications:detail", args=[draft.pk])


def test_dashboard_lists_organisations_and_applications_with_next_action(
    user_client: Client, draft: Application, organisation: Organisation
) -> None:
    response = user_client.get(reverse("applications:dashboard"))

    body = response.content.decode()
    assert organisation.name in body
    assert [row["application"] for row in response.context["rows"]] == [draft]
    assert "Compléter et déposer la candidature avant la clôture." in body


def test_dashboard_queries_do_not_grow_with_applications(
    user_client: Client,
    open_call: Call,
    user: User,
    organisation: Organisation,
    django_assert_max_num_queries: object,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_complete_draft(open_call, user, organisation=organisation, title="Un")
    with CaptureQueriesContext(connection) as one:
        user_client.get(reverse("applications:dashboard"))
    make_complete_draft(open_call, user, organisation=organisation, title="Deux")
    make_complete_draft(open_call, user, organisation=organisation, title="Trois")
    with CaptureQueriesContext(connection) as three:
        user_client.get(reverse("applications:dashboard"))

    assert len(three) == len(one)


def test_themes_step_shows_saved_choices_checked(
    user_client: Client, draft: Application, open_call_setup: OpenCall
) -> None:
    theme = open_call_setup.theme

    body = user_client.get(_step(draft, "themes")).content.decode()

    assert f'name="themes" value="{theme.pk}" id="id_themes_0" checked>' in body
