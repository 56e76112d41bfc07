"""The public pages (home, call), sign-in and sign-out, languages, error pages and the admin."""

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.views.defaults import permission_denied, server_error
from pytest_django import DjangoAssertNumQueries

from laureat.accounts.models import User
from laureat.applicants.models import (
    ApplicationCollaborator,
    Invitation,
    LegalCategory,
    Membership,
    Organisation,
)
from laureat.applications.enums import ApplicationState
from laureat.applications.models import (
    Answer,
    Application,
    BudgetLine,
    ResourceLine,
    Submission,
)
from laureat.core.audit import log_action
from laureat.core.models import AuditLog
from laureat.programmes.enums import ExpenseCategory
from laureat.programmes.models import (
    Call,
    CallQuestion,
    Criterion,
    Envelope,
    EnvelopeCategory,
    Funder,
    Programme,
    ProgrammeRole,
    Technology,
    Theme,
)
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    BudgetLineFactory,
    CallFactory,
    CriterionFactory,
    EnvelopeFactory,
    MembershipFactory,
    OpenCall,
    OrganisationFactory,
    ProgrammeFactory,
    ProgrammeRoleFactory,
    ResourceLineFactory,
    ThemeFactory,
    UserFactory,
    commune,
    valid_siret,
)

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


def page_html(response: object) -> str:
    """The page's HTML with entities decoded and runs of white space made single spaces."""
    content = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", html.unescape(content).replace(NBSP, " "))


def page_text(response: object) -> str:
    """What a reader sees: the HTML without its tags (and without scripts' sources)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", page_html(response)))


def french_date(value: date) -> str:
    with translation.override("fr"):
        return formats.date_format(value, "DATE_FORMAT")


def french_time(value: date) -> str:
    with translation.override("fr"):
        return formats.time_format(timezone.localtime(value), "H:i")  # type: ignore[arg-type]


# --- home -------------------------------------------------------------------


def test_home_lists_programmes_public_calls_with_phase_dates_budget_and_counts(
    client: Client,
) -> None:
    programme = ProgrammeFactory(name="Territoires d'industrie")
    open_call = CallFactory(programme=programme, title="Appel ouvert", budget=Decimal("10000000"))
    closed_call = CallFactory(
        programme=programme,
        closed=True,
        title="Écoles de production",
        recorded_applications=45,
        recorded_laureates=39,
    )
    upcoming = CallFactory(programme=programme, upcoming=True, title="Appel à venir")
    CallFactory(programme=programme, draft=True, title="Appel en préparation")
    ProgrammeFactory(name="Programme sans appel public")
    for state in (ApplicationState.SUBMITTED, ApplicationState.ELIGIBLE, ApplicationState.LAUREATE):
        ApplicationFactory(call=open_call, state=state)
    ApplicationFactory(call=open_call, state=ApplicationState.DRAFT)
    ApplicationFactory(call=open_call, state=ApplicationState.WITHDRAWN)

    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    assert [p.name for p in response.context["programmes"]] == ["Territoires d'industrie"]
    calls = response.context["programmes"][0].public_calls
    assert [c.title for c in calls] == ["Appel à venir", "Appel ouvert", "Écoles de production"]
    assert [c.submitted_count for c in calls] == [0, 3, 0]
    text = page_text(response)
    assert "Appel en préparation" not in text
    assert "Programme sans appel public" not in text
    assert "Ouvert" in text
    assert "À venir" in text
    assert "Clôturé" in text
    assert "10 000 000,00 €" in text
    assert "3 candidatures déposées" in text
    assert "45 candidatures, 39 lauréats (chiffres publiés)" in text
    assert "dépôt pas encore ouvert" in text
    assert french_date(timezone.localtime(open_call.opens_at).date()) in text
    closing = f"{french_date(timezone.localtime(closed_call.closes_at).date())} à "
    assert f"{closing}{french_time(closed_call.closes_at)}" in text
    assert reverse("web:call_detail", args=[upcoming.slug]) in page_html(response)


def test_home_without_public_calls_says_so(client: Client) -> None:
    CallFactory(draft=True)

    response = client.get(reverse("web:home"))

    assert list(response.context["programmes"]) == []
    assert "Aucun appel à projets n'est publié pour le moment." in page_text(response)


def test_home_query_count_is_the_same_for_one_and_three_calls(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = CallFactory()
    ApplicationFactory(call=first, state=ApplicationState.SUBMITTED)
    with CaptureQueriesContext(connection) as one_call:
        response = client.get(reverse("web:home"))
    assert [c.pk for p in response.context["programmes"] for c in p.public_calls] == [first.pk]

    second = CallFactory(programme=first.programme, closed=True)
    third = CallFactory()  # in another programme
    ApplicationFactory(call=third, state=ApplicationState.SUBMITTED)

    with django_assert_num_queries(len(one_call.captured_queries)):
        response = client.get(reverse("web:home"))
    shown = {c.pk for p in response.context["programmes"] for c in p.public_calls}
    assert shown == {first.pk, second.pk, third.pk}


# --- call page --------------------------------------------------------------


@pytest.fixture
def call_with_applications(open_call_setup: OpenCall) -> Call:
    """The open call of ``tests.factories``, with a description and 3 submitted applications.

    Two come from Bourgogne-Franche-Comté (Chalon-sur-Saône), one from La Réunion
    (Saint-Denis); a draft and a withdrawn application are not counted.
    """
    call = open_call_setup.call
    call.description = "Moderniser les plateaux de formation aux standards de l'industrie 4.0."
    call.how_to_apply = "Déposez votre dossier en ligne, budget équilibré à l'appui."
    call.summary = "Anticiper les compétences de demain."
    call.results_at = timezone.localdate() + timedelta(days=60)
    call.save()
    chalon, saint_denis = commune("71076"), commune("97411")
    ApplicationFactory.create_batch(2, call=call, state=ApplicationState.SUBMITTED, commune=chalon)
    ApplicationFactory(call=call, state=ApplicationState.IN_REVIEW, commune=saint_denis)
    ApplicationFactory(call=call, state=ApplicationState.DRAFT, commune=chalon)
    ApplicationFactory(call=call, state=ApplicationState.WITHDRAWN, commune=chalon)
    return call


def test_call_page_shows_description_timeline_budget_criteria_themes_and_count(
    client: Client, call_with_applications: Call, open_call_setup: OpenCall
) -> None:
    call = call_with_applications

    response = client.get(reverse("web:call_detail", args=[call.slug]))

    assert response.status_code == 200
    assert response.context["stats"] == {"applications": 3, "regions": 2, "overseas_regions": 1}
    text = page_text(response)
    assert f"<h1>{call.title}</h1>" in page_html(response)
    assert "Moderniser les plateaux de formation aux standards de l'industrie 4.0." in text
    assert "Anticiper les compétences de demain." in text
    # Timeline: opening, closing with its time, results.
    assert "Ouverture des candidatures" in text
    assert french_date(timezone.localtime(call.opens_at).date()) in text
    closing = f"{french_date(timezone.localtime(call.closes_at).date())} à "
    assert f"{closing}{french_time(call.closes_at)}" in text
    assert "Annonce des résultats" in text
    assert french_date(call.results_at) in text  # type: ignore[arg-type]
    # Budget per funder, with the categories each funds.
    assert "Budget total de l’appel : 10 000 000,00 € ." in text
    funders = [e.funder.name for e in response.context["envelopes"]]
    assert funders == ["État", "Banque des Territoires"]
    assert "7 000 000,00 €" in text
    assert "3 000 000,00 €" in text
    assert "Études d'ingénierie" in text
    assert "Investissement" in text
    assert "Amorçage" in text
    # Criteria with their weight as a share of the total (2 and 1).
    shares = [(s.criterion.name, s.percent) for s in response.context["criteria"]]
    assert shares == [
        ("Qualité du projet", Decimal("66.7")),
        ("Ancrage territorial", Decimal("33.3")),
    ]
    assert "66,7 %" in text
    assert "0 à 5" in text
    assert open_call_setup.theme.name in text
    assert "Comment candidater" in text
    assert "Déposez votre dossier en ligne, budget équilibré à l'appui." in text
    assert "3 candidatures déposées" in text
    assert "2 régions, dont 1 d’outre-mer" in text
    # Breadcrumb back to the home page and the programme.
    assert call.programme.name in text


def test_call_page_query_count_does_not_grow_with_envelopes_and_criteria(
    client: Client, open_call: Call, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    url = reverse("web:call_detail", args=[open_call.slug])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    EnvelopeFactory(call=open_call, categories=[ExpenseCategory.STARTUP])
    CriterionFactory(call=open_call)
    open_call.themes.add(ThemeFactory(), ThemeFactory())

    with django_assert_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert len(response.context["envelopes"]) == 3


def test_call_page_of_a_draft_is_404_for_the_public(client: Client, user_client: Client) -> None:
    draft = CallFactory(draft=True, title="Appel secret")

    anonymous = client.get(reverse("web:call_detail", args=[draft.slug]))
    signed_in = user_client.get(reverse("web:call_detail", args=[draft.slug]))

    assert anonymous.status_code == 404
    assert signed_in.status_code == 404
    assert "Appel secret" not in page_text(anonymous)
    assert "Page introuvable" in page_text(anonymous)


def test_call_page_of_a_draft_is_previewed_by_its_manager(client: Client) -> None:
    draft = CallFactory(draft=True, title="Appel en préparation")
    manager = ProgrammeRoleFactory(programme=draft.programme).user
    client.force_login(manager)

    response = client.get(reverse("web:call_detail", args=[draft.slug]))

    assert response.status_code == 200
    assert response.context["phase"] == "draft"
    assert "En préparation" in page_text(response)


def test_call_page_of_an_unknown_slug_is_404(client: Client) -> None:
    response = client.get(reverse("web:call_detail", args=["nulle-part"]))

    assert response.status_code == 404
    assert "Page introuvable" in page_text(response)


def test_call_page_of_a_historical_call_shows_recorded_figures(client: Client) -> None:
    call = CallFactory(closed=True, recorded_applications=59, recorded_laureates=41)

    response = client.get(reverse("web:call_detail", args=[call.slug]))

    text = page_text(response)
    assert "59 candidatures" in text
    assert "41 lauréats" in text
    assert "Chiffres publiés lors de l'appel, antérieur à Laureat." in text
    assert "Clôturé" in text
    assert "Le dépôt des candidatures est clos." in text


def test_call_page_of_an_open_call_without_applications_invites_to_sign_in(
    client: Client, open_call: Call
) -> None:
    url = reverse("web:call_detail", args=[open_call.slug])

    response = client.get(url)

    text = page_text(response)
    assert "Se connecter pour candidater" in text
    assert "Aucune candidature déposée" in text
    assert f"{reverse('accounts:login')}?next={url}" in page_html(response)


# --- signing in and out -------------------------------------------------------


def test_login_page_renders_the_form(client: Client) -> None:
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    text = page_text(response)
    assert "Se connecter à Laureat" in text
    assert 'name="username"' in page_html(response)
    assert 'type="password"' in page_html(response)
    assert "csrfmiddlewaretoken" in page_html(response)


def test_login_with_valid_credentials_signs_in_and_shows_logout(client: Client) -> None:
    user = User.objects.create_user("camille@example.fr", PASSWORD)

    response = client.post(
        reverse("accounts:login"),
        {"username": "camille@example.fr", "password": PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("web:home"), 302)]
    assert response.context["user"] == user
    text = page_text(response)
    assert "Se déconnecter" in text
    assert f'action="{reverse("accounts:logout")}"' in page_html(response)


def test_login_with_a_wrong_password_explains(client: Client) -> None:
    User.objects.create_user("camille@example.fr", PASSWORD)

    response = client.post(
        reverse("accounts:login"), {"username": "camille@example.fr", "password": "faux"}
    )

    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert "Adresse électronique ou mot de passe incorrect." in page_text(response)


def test_logout_by_post_signs_out(user_client: Client) -> None:
    response = user_client.post(reverse("accounts:logout"), follow=True)

    assert response.redirect_chain == [(reverse("web:home"), 302)]
    assert not response.context["user"].is_authenticated
    assert "Se connecter" in page_text(response)


def test_logout_by_get_is_refused(user_client: Client, user: User) -> None:
    response = user_client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert user_client.get(reverse("web:home")).context["user"] == user


# --- languages --------------------------------------------------------------


def test_language_switch_to_english_translates_the_page(client: Client, open_call: Call) -> None:
    call_url = reverse("web:call_detail", args=[open_call.slug])

    response = client.post(reverse("set_language"), {"language": "en", "next": call_url})

    assert response.status_code == 302
    assert response["Location"] == f"/en{call_url}"
    english = client.get(response["Location"])
    text = page_text(english)
    assert '<html lang="en"' in page_html(english)
    assert "How to apply" in text
    assert "Evaluation criteria" in text
    assert "Engineering studies" in text
    assert "Open" in text
    assert "10,000,000.00 €" in text
    home = page_text(client.get("/en/"))
    assert "Calls for projects" in home
    assert "Home" in home


def test_language_switch_back_to_french_from_an_english_page(
    client: Client, open_call: Call
) -> None:
    call_url = reverse("web:call_detail", args=[open_call.slug])
    client.post(reverse("set_language"), {"language": "en", "next": call_url})
    english = page_html(client.get(f"/en{call_url}"))
    # The French button's form names the French address of the page as ``next``.
    french_form = re.search(
        r'name="next" value="([^"]*)"> <button type="submit" name="language" value="fr"', english
    )
    assert french_form is not None
    assert french_form.group(1) == call_url

    response = client.post(reverse("set_language"), {"language": "fr", "next": call_url})

    assert response["Location"] == call_url
    assert '<html lang="fr"' in page_html(client.get(call_url))


def test_pages_link_stylesheets_without_sri(client: Client) -> None:
    """In production ManifestStaticFilesStorage rewrites url()s inside CSS files, so an
    SRI hash of the packaged file (django-dsfr's ``{% dsfr_css %}``) makes browsers
    refuse DSFR's stylesheet. Stylesheets are same-origin and linked without one."""
    stylesheets = re.findall(r'<link rel="stylesheet"[^>]*>', page_html(client.get("/")))

    hrefs = [m.group(1) for link in stylesheets if (m := re.search(r'href="([^"]*)"', link))]
    assert hrefs == [
        "/static/dsfr/dist/dsfr/dsfr.min.css",
        "/static/dsfr/dist/utility/utility.min.css",
        "/static/css/dsfr-django-overrides.css",
        "/static/web/laureat.css",
    ]
    assert [link for link in stylesheets if "integrity" in link] == []


# --- health and error pages -----------------------------------------------------


def test_healthz_returns_ok_json(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_403_page_explains_and_offers_to_sign_in() -> None:
    request = RequestFactory().get("/appels/secret/")
    request.user = AnonymousUser()

    response = permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    text = page_text(response)
    assert "Accès refusé" in text
    assert "Connectez-vous avec un compte qui a ce droit." in text
    assert f"{reverse('accounts:login')}?next=/appels/secret/" in page_html(response)


def test_500_page_renders_without_the_database(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    text = page_text(response)
    assert "Erreur inattendue" in text
    assert "dsfr.min.css" in page_html(response)


# --- admin ------------------------------------------------------------------


@pytest.fixture
def admin_user_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("admin@example.fr", PASSWORD))
    return client


def _known_objects() -> dict[type[Model], tuple[Model, str]]:
    """One object per model registered by our apps, with a text its changelist shows."""
    application = ApplicationFactory(
        title="Plateforme de réalité étendue", state=ApplicationState.SUBMITTED
    )
    call = application.call
    envelope = Envelope.objects.create(
        call=call,
        funder=Funder.objects.create(slug="etat", name="État", short_name="État"),
        amount=Decimal("7000000"),
    )
    category = EnvelopeCategory.objects.create(
        envelope=envelope, category=ExpenseCategory.INVESTMENT
    )
    criterion = Criterion.objects.create(call=call, name="Ancrage territorial", weight=Decimal("1"))
    theme = Theme.objects.create(slug="jumeau-numerique", name="Jumeau numérique")
    call.themes.add(theme)
    role = ProgrammeRoleFactory(programme=call.programme)
    membership = MembershipFactory(organisation=application.organisation)
    budget_line = BudgetLineFactory(application=application, label="Casques de réalité virtuelle")
    resource_line = ResourceLineFactory(application=application, label="Apport de la région")
    entry = log_action(actor=None, action="call.publish", obj=call)
    technology = Technology.objects.order_by("name").first()
    legal_category = LegalCategory.objects.order_by("code").first()
    assert technology is not None
    assert legal_category is not None
    question = CallQuestion.objects.create(
        call=call, label="Partenaires du projet", kind="long_text"
    )
    answer = Answer.objects.create(application=application, question=question, value="Trois")
    submission = Submission.objects.create(
        application=application,
        sequence=1,
        receipt_number="TEST-000001-1",
        submitted_at=timezone.now(),
        snapshot={},
        snapshot_sha256="0" * 64,
        by=UserFactory(),
    )
    invitation = Invitation.objects.create(
        organisation=application.organisation,
        email="invite@example.fr",
        token="t",
        expires_at=timezone.now() + timedelta(days=14),
    )
    collaborator = ApplicationCollaborator.objects.create(
        application=application,
        user=UserFactory(email="coredac@example.fr", first_name="Corédac", last_name="Trice"),
    )
    return {
        CallQuestion: (question, "Partenaires du projet"),
        Answer: (answer, "Partenaires du projet"),
        Submission: (submission, "TEST-000001-1"),
        Invitation: (invitation, "invite@example.fr"),
        ApplicationCollaborator: (collaborator, "Corédac Trice"),
        AuditLog: (entry, "call.publish"),
        Programme: (call.programme, call.programme.name),
        ProgrammeRole: (role, role.user.last_name),
        Call: (call, call.title),
        Envelope: (envelope, "7 000 000,00 €"),
        EnvelopeCategory: (category, "Investissement"),
        Criterion: (criterion, "Ancrage territorial"),
        Funder: (envelope.funder, "État"),
        Theme: (theme, "Jumeau numérique"),
        Technology: (technology, technology.name),
        LegalCategory: (legal_category, legal_category.label),
        Organisation: (application.organisation, application.organisation.siret),
        Membership: (membership, membership.user.last_name),
        Application: (application, "Plateforme de réalité étendue"),
        BudgetLine: (budget_line, "Casques de réalité virtuelle"),
        ResourceLine: (resource_line, "Apport de la région"),
    }


def test_admin_registers_every_model_of_core_programmes_applicants_applications() -> None:
    labels = {"core", "programmes", "applicants", "applications"}
    models = {m for label in labels for m in django_apps.get_app_config(label).get_models()}
    assert models == {m for m in models if m in admin_site._registry}
    assert models == set(_known_objects())


def test_admin_changelists_and_change_pages_load_for_a_superuser(
    admin_user_client: Client,
) -> None:
    for model, (obj, text) in _known_objects().items():
        meta = model._meta
        changelist = admin_user_client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        )
        assert changelist.status_code == 200, meta.label
        assert text in page_text(changelist), meta.label
        change = admin_user_client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        )
        assert change.status_code == 200, meta.label


def test_admin_application_changelist_query_count_is_constant(
    admin_user_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    url = reverse("admin:applications_application_changelist")
    ApplicationFactory(state=ApplicationState.SUBMITTED)
    with CaptureQueriesContext(connection) as one:
        admin_user_client.get(url)
    ApplicationFactory.create_batch(2, state=ApplicationState.SUBMITTED)

    with django_assert_num_queries(len(one.captured_queries)):
        response = admin_user_client.get(url)
    assert response.context["cl"].result_count == 3


def test_admin_application_state_is_read_only(admin_user_client: Client) -> None:
    application = ApplicationFactory(state=ApplicationState.SUBMITTED)

    response = admin_user_client.get(
        reverse("admin:applications_application_change", args=[application.pk])
    )

    form = response.context["adminform"].form
    assert "state" not in form.fields
    assert "title" in form.fields
    assert admin_user_client.get(reverse("admin:applications_application_add")).status_code == 403


def test_admin_application_edit_bumps_version_and_is_audited(admin_user_client: Client) -> None:
    application = ApplicationFactory(state=ApplicationState.SUBMITTED, title="Ancien titre")
    data = {
        "title": "Nouveau titre",
        "acronym": "",
        "summary": "",
        "description": "",
        "commune": "",
        "learners_targeted": "",
        "start_date": "",
        "budget_lines-TOTAL_FORMS": "0",
        "budget_lines-INITIAL_FORMS": "0",
        "resource_lines-TOTAL_FORMS": "0",
        "resource_lines-INITIAL_FORMS": "0",
    }

    response = admin_user_client.post(
        reverse("admin:applications_application_change", args=[application.pk]), data
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Nouveau titre"
    assert application.state == ApplicationState.SUBMITTED
    assert application.version == 2
    entry = AuditLog.objects.for_object(application).get(action="application.admin_change")
    assert entry.data == {"changed": ["title"], "version": 2}


def test_admin_audit_log_is_read_only(admin_user_client: Client) -> None:
    programme = ProgrammeFactory()
    entry = log_action(actor=None, action="programme.create", obj=programme)

    add = admin_user_client.get(reverse("admin:core_auditlog_add"))
    change = admin_user_client.post(
        reverse("admin:core_auditlog_change", args=[entry.pk]), {"action": "falsifié"}
    )
    delete = admin_user_client.post(
        reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "programme.create"


def _organisation_form(siret: str) -> dict[str, str]:
    return {
        "name": "Cnam Bourgogne-Franche-Comté",
        "siret": siret,
        "kind": "cnam",
        "legal_category": "",
        "address": "",
        "commune": "71076",
        "website": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }


def test_admin_organisation_add_checks_the_siret_and_derives_the_siren(
    admin_user_client: Client,
) -> None:
    siret = valid_siret(1234)
    url = reverse("admin:applicants_organisation_add")

    response = admin_user_client.post(url, _organisation_form(siret[:9] + " " + siret[9:]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    organisation = Organisation.objects.get(siret=siret)
    assert organisation.siren == siret[:9]
    assert organisation.commune_id == "71076"


def test_admin_organisation_add_with_a_bad_siret_explains(admin_user_client: Client) -> None:
    siret = valid_siret(1234)
    bad = siret[:-1] + str((int(siret[-1]) + 1) % 10)

    response = admin_user_client.post(
        reverse("admin:applicants_organisation_add"), _organisation_form(bad)
    )

    assert response.status_code == 200
    assert "sa clé de contrôle ne correspond pas" in page_text(response)
    assert not Organisation.objects.exists()


def test_admin_commune_fields_are_searched_not_listed(admin_user_client: Client) -> None:
    """~35,000 communes: the forms use autocompletion, never a <select> of every commune."""
    organisation = OrganisationFactory()
    application = ApplicationFactory(organisation=organisation)
    pages: list[Callable[[], object]] = [
        lambda: admin_user_client.get(reverse("admin:applicants_organisation_add")),
        lambda: admin_user_client.get(
            reverse("admin:applicants_organisation_change", args=[organisation.pk])
        ),
        lambda: admin_user_client.get(
            reverse("admin:applications_application_change", args=[application.pk])
        ),
    ]
    for get in pages:
        response = get()
        assert len(response.content) < 500_000  # type: ignore[attr-defined]
        assert "Chalon-sur-Saône" not in page_text(response)


def test_admin_is_translated_with_model_names_in_english(admin_user_client: Client) -> None:
    response = admin_user_client.get("/en/admin/")

    text = page_text(response)
    assert "Calls for projects" in text
    assert "Applications" in text
    assert "Organisations" in text
