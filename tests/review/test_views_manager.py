"""The manager's review pages: access, settings, pool, conflicts, assignment preview,
progress and reminders, ranking and exports."""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from laureat.accounts.models import User
from laureat.core.models import AuditLog
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call
from laureat.review.domain import (
    conflict_add,
    review_settings_for,
    review_settings_update,
    reviewer_add,
)
from laureat.review.enums import ReviewerState
from laureat.review.models import Assignment, Conflict, Review, Reviewer
from tests.factories import PASSWORD, UserFactory
from tests.review.factories import ReviewSetup, make_review_setup
from tests.review.test_domain_manager import submit_review

pytestmark = pytest.mark.django_db

PAGES = (
    "manage",
    "manage_reviewers",
    "manage_conflicts",
    "manage_assignments",
    "manage_progress",
    "manage_ranking",
    "export_csv",
    "export_xlsx",
)


def _url(name: str, call: Call, **kwargs: Any) -> str:
    return reverse(f"review:{name}", kwargs={"slug": call.slug, **kwargs})


def _client(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def setup() -> ReviewSetup:
    return make_review_setup(applications=4, reviewers=4, k=2)


@pytest.fixture
def manager(setup: ReviewSetup) -> Client:
    return _client(setup.manager)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- access ------------------------------------------------------------------


def _outsiders(setup: ReviewSetup) -> dict[str, Client]:
    return {
        "reviewer": _client(setup.reviewers[0].user),
        "applicant": _client(setup.applicants[0]),
        "stranger": _client(UserFactory()),
    }


@pytest.mark.parametrize("page", PAGES)
def test_manager_pages_forbidden_to_reviewer_applicant_and_stranger(
    setup: ReviewSetup, page: str
) -> None:
    submit_review(Assignment.objects.filter(reviewer=setup.reviewers[0]).first())  # type: ignore[arg-type]
    for who, client in _outsiders(setup).items():
        response = client.get(_url(page, setup.call))
        assert (who, response.status_code) == (who, 403)
        assert setup.applications[1].title.encode() not in response.content
        response = client.post(_url(page, setup.call), {"action": "compute"})
        assert (who, response.status_code) in {(who, 403), (who, 405)}
    assert not AuditLog.objects.filter(action="review.conflicts_compute").exists()


@pytest.mark.parametrize("page", PAGES)
def test_manager_pages_send_anonymous_users_to_the_login_page(
    client: Client, setup: ReviewSetup, page: str
) -> None:
    response = client.get(_url(page, setup.call))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", PAGES)
def test_manager_pages_of_a_draft_call_are_404_for_outsiders(setup: ReviewSetup, page: str) -> None:
    Call.objects.filter(pk=setup.call.pk).update(state=CallState.DRAFT)
    for client in _outsiders(setup).values():
        assert client.get(_url(page, setup.call)).status_code == 404
    assert _client(setup.manager).get(_url(page, setup.call)).status_code == 200


def test_post_actions_forbidden_to_a_reviewer(setup: ReviewSetup) -> None:
    client = _client(setup.reviewers[0].user)
    target = setup.reviewers[1]
    review = submit_review(Assignment.objects.filter(reviewer=target).first())  # type: ignore[arg-type]
    urls = [
        _url("manage_reviewer_resend", setup.call, pk=target.pk),
        _url("manage_reviewer_remove", setup.call, pk=target.pk),
        _url("manage_review_unlock", setup.call, pk=review.pk),
    ]
    for url in urls:
        assert client.post(url, {"reason": "x"}).status_code == 403
    review.refresh_from_db()
    assert review.submitted_at is not None
    assert Reviewer.objects.filter(pk=target.pk).exists()


# --- home and settings -------------------------------------------------------


def test_manage_home_shows_the_numbers(setup: ReviewSetup, manager: Client) -> None:
    submit_review(Assignment.objects.filter(reviewer__call=setup.call).first())  # type: ignore[arg-type]
    response = manager.get(_url("manage", setup.call))
    numbers = response.context["numbers"]
    assert (numbers.applications, numbers.reviewers, numbers.assignments) == (4, 4, 8)
    assert (numbers.reviews_done, numbers.conflicts) == (1, 0)
    assert _url("manage_ranking", setup.call).encode() in response.content


def _settings_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "reviewers_per_application": "3",
        "min_load": "1",
        "max_load": "6",
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2026-12-20T18:00",
        "normalise_scores": "on",
        "anonymise_applicants": "on",
        "disagreement_threshold": "2,5",
    }
    data.update(overrides)
    return data


def test_manage_settings_update_saves(setup: ReviewSetup, manager: Client) -> None:
    response = manager.post(_url("manage", setup.call), _settings_data(), follow=True)
    assert _messages(response) == ["Les paramètres de l'évaluation sont enregistrés."]
    saved = review_settings_for(setup.call)
    assert (saved.reviewers_per_application, saved.min_load, saved.max_load) == (3, 1, 6)
    assert (saved.anonymise_applicants, saved.show_other_scores) == (True, False)
    assert str(saved.disagreement_threshold) == "2.50"
    assert saved.closes_at is not None
    assert timezone.localtime(saved.closes_at).hour == 18


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"max_load": "0", "min_load": "0"}, "max_load", "supérieure ou égale à 1"),
        ({"min_load": "7"}, "max_load", "au moins égale à la charge minimale"),
        ({"closes_at": "2026-11-20T18:00"}, "closes_at", "doit suivre son début"),
        ({"reviewers_per_application": "0"}, "reviewers_per_application", "au moins un"),
        ({"disagreement_threshold": "abc"}, "disagreement_threshold", "nombre"),
    ],
)
def test_manage_settings_invalid_values_explained_and_kept(
    setup: ReviewSetup, manager: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    response = manager.post(_url("manage", setup.call), _settings_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert review_settings_for(setup.call).reviewers_per_application == 2
    assert response.context["form"]["max_load"].value() == overrides.get("max_load", "6")


# --- pool --------------------------------------------------------------------


def test_manage_reviewers_invite_and_refuse_twice(
    setup: ReviewSetup,
    manager: Client,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = _url("manage_reviewers", setup.call)
    data = {"email": "experte@exemple.fr", "first_name": "Eva", "last_name": "Perte"}
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, data, follow=True)
    assert _messages(response) == ["L'invitation est envoyée à experte@exemple.fr."]
    assert [m.to for m in mailoutbox] == [["experte@exemple.fr"]]
    assert "http://testserver/" in mailoutbox[0].body
    reviewer = Reviewer.objects.get(call=setup.call, user__email="experte@exemple.fr")
    assert reviewer.state == ReviewerState.INVITED
    response = manager.post(url, data)
    assert "fait déjà partie du vivier" in " ".join(response.context["form"].errors["email"])
    assert response.context["form"]["email"].value() == "experte@exemple.fr"


def test_manage_reviewers_resend_and_remove(
    setup: ReviewSetup,
    manager: Client,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    invited = reviewer_add(
        call=setup.call, user=UserFactory(), by=None, state=ReviewerState.INVITED
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(_url("manage_reviewer_resend", setup.call, pk=invited.pk))
    assert [m.to for m in mailoutbox] == [[invited.user.email]]
    busy = setup.reviewers[0]
    submit_review(Assignment.objects.filter(reviewer=busy).first())  # type: ignore[arg-type]
    response = manager.post(_url("manage_reviewer_remove", setup.call, pk=busy.pk), follow=True)
    assert "déjà rendu des évaluations" in _messages(response)[-1]
    manager.post(_url("manage_reviewer_remove", setup.call, pk=invited.pk))
    assert list(Reviewer.objects.filter(call=setup.call).order_by("pk")) == setup.reviewers


def test_manage_reviewers_list_has_no_n_plus_1() -> None:
    counts = []
    for size in (1, 3):
        setup = make_review_setup(applications=2, reviewers=size, k=1)
        client = _client(setup.manager)
        url = _url("manage_reviewers", setup.call)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.context["reviewers"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- conflicts ---------------------------------------------------------------


def test_manage_conflicts_compute_and_add_by_hand(setup: ReviewSetup, manager: Client) -> None:
    url = _url("manage_conflicts", setup.call)
    setup.reviewers[0].affiliations.add(setup.applications[0].organisation)
    response = manager.post(url, {"action": "compute"}, follow=True)
    assert _messages(response) == ["Conflits recalculés : 1 conflit(s) déduit(s) des données."]
    response = manager.post(
        url,
        {
            "action": "add",
            "reviewer": setup.reviewers[1].pk,
            "application": setup.applications[1].pk,
            "reason": "Ancien employeur",
        },
        follow=True,
    )
    assert _messages(response) == ["Le conflit d'intérêts est enregistré."]
    assert [c.reason for c in response.context["conflicts"]] == ["", "Ancien employeur"]
    response = manager.post(
        url,
        {"action": "add", "reviewer": setup.reviewers[1].pk, "application": "", "reason": ""},
    )
    assert response.context["form"].errors["application"] == ["Choisissez une candidature."]


# --- assignment --------------------------------------------------------------


@pytest.fixture
def fresh() -> ReviewSetup:
    return make_review_setup(applications=3, reviewers=3, k=2, assign=False)


def test_manage_assignments_compute_shows_a_preview_and_saves_nothing(
    fresh: ReviewSetup,
) -> None:
    client = _client(fresh.manager)
    url = _url("manage_assignments", fresh.call)
    response = client.post(url, {"action": "compute"}, follow=True)
    preview = response.context["preview"]
    assert preview["pairs"] == 6
    assert [len(r["reviewers"]) for r in preview["rows"]] == [2, 2, 2]
    assert sum(item["load"] for item in preview["loads"]) == 6
    assert Assignment.objects.filter(reviewer__call=fresh.call).count() == 0
    # The preview survives to the next request.
    assert client.get(url).context["preview"]["pairs"] == 6


def test_manage_assignments_adjust_then_confirm_saves_and_emails(
    fresh: ReviewSetup, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(fresh.manager)
    url = _url("manage_assignments", fresh.call)
    client.post(url, {"action": "compute"})
    first = client.get(url).context["preview"]["rows"][0]
    dropped = first["reviewers"][0]["reviewer"]
    client.post(
        url,
        {"action": "drop", "application": first["application"].pk, "reviewer": dropped.pk},
    )
    assert client.get(url).context["preview"]["pairs"] == 5
    conflict_add(
        reviewer=fresh.reviewers[2],
        application=fresh.applications[2],
        reason="Parent",
        by=fresh.manager,
    )
    response = client.post(
        url,
        {
            "action": "force",
            "application": fresh.applications[2].pk,
            "reviewer": fresh.reviewers[2].pk,
        },
    )
    assert "conflit d'intérêts" in response.context["force_form"].non_field_errors()[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "confirm"}, follow=True)
    assert "Affectations enregistrées" in _messages(response)[0]
    saved = Assignment.objects.filter(reviewer__call=fresh.call)
    assert not saved.filter(application=first["application"], reviewer=dropped).exists()
    assert not saved.filter(application=fresh.applications[2], reviewer=fresh.reviewers[2]).exists()
    assert len(mailoutbox) == len({a.reviewer_id for a in saved})
    assert response.context["preview"] is None


def test_manage_assignments_force_keeps_the_pair_in_the_preview(fresh: ReviewSetup) -> None:
    client = _client(fresh.manager)
    url = _url("manage_assignments", fresh.call)
    client.post(url, {"action": "compute"})
    application, reviewer = fresh.applications[0], fresh.reviewers[2]
    response = client.post(
        url,
        {"action": "force", "application": application.pk, "reviewer": reviewer.pk},
        follow=True,
    )
    row = next(r for r in response.context["preview"]["rows"] if r["application"] == application)
    assert {i["reviewer"] for i in row["reviewers"] if i["forced"]} == {reviewer}


def test_manage_assignments_remove_and_refill(setup: ReviewSetup, manager: Client) -> None:
    url = _url("manage_assignments", setup.call)
    done = Assignment.objects.filter(reviewer__call=setup.call).first()
    assert done is not None
    submit_review(done)
    response = manager.post(url, {"action": "remove", "assignment": done.pk}, follow=True)
    assert "déjà rendu son évaluation" in _messages(response)[0]
    other = Assignment.objects.filter(reviewer__call=setup.call).exclude(pk=done.pk).first()
    assert other is not None
    manager.post(url, {"action": "remove", "assignment": other.pk})
    assert Assignment.objects.filter(reviewer__call=setup.call).count() == 7
    response = manager.post(url, {"action": "refill"}, follow=True)
    assert _messages(response)[-1] == "Affectations complétées."
    assert Assignment.objects.filter(reviewer__call=setup.call).count() == 8


# --- progress ----------------------------------------------------------------


def test_manage_progress_lists_late_reviewers_and_reminds(
    setup: ReviewSetup,
    manager: Client,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    now = timezone.now()
    review_settings_update(
        call=setup.call,
        by=setup.manager,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=1),
    )
    for assignment in Assignment.objects.filter(reviewer=setup.reviewers[0]):
        submit_review(assignment)
    url = _url("manage_progress", setup.call)
    progress = manager.get(url).context["progress"]
    late = {r.reviewer.pk for r in progress.reviewers if r.late}
    assert late == {r.pk for r in setup.reviewers[1:] if r.assignments.exists()}
    assert progress.expected == 8
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, follow=True)
    assert _messages(response) == [f"{len(late)} relance(s) envoyée(s) par courriel."]
    assert len(mailoutbox) == len(late)
    response = manager.post(url, follow=True)
    assert "Aucune relance envoyée" in _messages(response)[0]


def test_manage_progress_has_no_n_plus_1() -> None:
    counts = []
    for size in (1, 3):
        setup = make_review_setup(applications=size, reviewers=size, k=1)
        client = _client(setup.manager)
        url = _url("manage_progress", setup.call)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.context["progress"].applications) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- ranking, unlock and exports ---------------------------------------------


def _submit_all(setup: ReviewSetup) -> None:
    for index, assignment in enumerate(Assignment.objects.filter(reviewer__call=setup.call)):
        submit_review(assignment, value=2 + index % 4, comment='=HYPERLINK("http://x")')


def test_manage_ranking_shows_raw_and_normalised_scores(
    setup: ReviewSetup, manager: Client
) -> None:
    _submit_all(setup)
    response = manager.get(_url("manage_ranking", setup.call))
    rows = response.context["rows"]
    assert [r.rank for r in rows] == [1, 2, 3, 4]
    assert all(len(r.reviews) == 2 for r in rows)
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    assert "Moyenne normalisée" in response.content.decode()


def test_manage_ranking_has_no_n_plus_1() -> None:
    counts = []
    for size in (1, 3):
        setup = make_review_setup(applications=size, reviewers=2, k=2)
        _submit_all(setup)
        client = _client(setup.manager)
        url = _url("manage_ranking", setup.call)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.context["rows"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_manage_review_unlock_needs_a_reason(setup: ReviewSetup, manager: Client) -> None:
    review = submit_review(Assignment.objects.filter(reviewer__call=setup.call).first())  # type: ignore[arg-type]
    url = _url("manage_review_unlock", setup.call, pk=review.pk)
    response = manager.post(url, {"reason": ""}, follow=True)
    assert _messages(response) == ["Indiquez pourquoi l'évaluation est rouverte."]
    response = manager.post(url, {"reason": "Note incohérente"}, follow=True)
    assert "est rouverte" in _messages(response)[0]
    review.refresh_from_db()
    assert review.submitted_at is None
    detail = manager.get(
        _url("manage_ranking", setup.call) + f"?candidature={review.assignment.application_id}"
    )
    assert detail.status_code == 200


def test_export_csv_has_every_review_and_neutralises_formulas(
    setup: ReviewSetup, manager: Client
) -> None:
    _submit_all(setup)
    response = manager.get(_url("export_csv", setup.call))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert len(lines) == 1 + 8
    assert lines[0].startswith("Référence;Candidature;Porteur;Évaluateur")
    assert "'=HYPERLINK" in text
    assert ";=HYPERLINK" not in text
    assert setup.applications[0].organisation.name in text


def test_export_xlsx_opens_with_one_row_per_review(setup: ReviewSetup, manager: Client) -> None:
    _submit_all(setup)
    response = manager.get(_url("export_xlsx", setup.call))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 8
    assert rows[0][:3] == ("Référence", "Candidature", "Porteur")
    references = {r[0] for r in rows[1:]}
    assert references == {a.reference for a in setup.applications}


def test_export_excludes_a_conflicted_pair_even_if_its_review_remains(
    setup: ReviewSetup, manager: Client
) -> None:
    _submit_all(setup)
    assignment = Assignment.objects.filter(reviewer__call=setup.call).first()
    assert assignment is not None
    # Bypass the domain (which deletes the pair) to prove the export query filters it.
    Conflict.objects.create(
        application=assignment.application, reviewer=assignment.reviewer, source="declared"
    )
    assert Review.objects.filter(assignment=assignment, submitted_at__isnull=False).exists()
    text = manager.get(_url("export_csv", setup.call)).content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert len(lines) == 1 + 7
    assert not any(
        line.startswith(assignment.application.reference + ";")
        and assignment.reviewer.user.email in line
        for line in lines
    )


@pytest.mark.parametrize("page", ["manage_assignments", "manage_conflicts", "manage"])
def test_manager_list_pages_have_no_n_plus_1(page: str) -> None:
    counts = []
    for size in (1, 3):
        setup = make_review_setup(applications=size, reviewers=size, k=1)
        for application, reviewer in zip(setup.applications, setup.reviewers[1:], strict=False):
            conflict_add(reviewer=reviewer, application=application, reason="x", by=setup.manager)
        client = _client(setup.manager)
        url = _url(page, setup.call)
        client.post(_url("manage_assignments", setup.call), {"action": "compute"})
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
