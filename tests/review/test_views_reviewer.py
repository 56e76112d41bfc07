"""The reviewer's pages: invitation, profile, workspace, conflict check, reading, scoring,
and the walls around a file the reviewer may not read."""

import html
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applications.domain import application_submit
from laureat.applications.models import Application
from laureat.documents.domain import attachment_add
from laureat.documents.models import Attachment
from laureat.programmes.enums import ProgrammeRoleKind
from laureat.programmes.models import Call
from laureat.review.domain import (
    ScoreInput,
    assignment_accept,
    assignment_build,
    assignment_save,
    review_save,
    review_settings_update,
    review_submit,
    reviewer_add,
)
from laureat.review.enums import AssignmentState, ConflictSource, Recommendation, ReviewerState
from laureat.review.invitations import invitation_token
from laureat.review.models import Assignment, Conflict, Review, Reviewer
from tests.documents.samples import pdf_bytes
from tests.factories import (
    PASSWORD,
    ProgrammeRoleFactory,
    UserFactory,
    make_complete_draft,
    make_open_call_with_envelopes,
)

pytestmark = pytest.mark.django_db


def page_text(response: Any) -> str:
    content = html.unescape(response.content.decode()).replace("\xa0", " ")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", content))


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@dataclass
class Scene:
    call: Call
    manager: User
    applicant: User
    application: Application
    attachment: Attachment
    reviewer: Reviewer  # assigned by the optimiser (state PROPOSED)
    assignment: Assignment


@pytest.fixture
def scene(settings: Any, tmp_path: Path) -> Scene:
    """One submitted application with a PDF attached, and one reviewer assigned to it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LAUREAT_VIRUS_SCAN_COMMAND = ""
    call = make_open_call_with_envelopes().call
    manager = UserFactory()
    ProgrammeRoleFactory(programme=call.programme, user=manager, role=ProgrammeRoleKind.MANAGER)
    applicant = UserFactory(first_name="Camille", last_name="Durandal")
    draft = make_complete_draft(call, applicant, title="Atelier robotique partagé")
    attachment = attachment_add(
        application=draft,
        by=applicant,
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes("Plan")),
        label="Plan de financement",
    )
    application = application_submit(application=draft, by=applicant)
    reviewer = reviewer_add(
        call=call, user=UserFactory(), by=manager, themes=list(call.themes.all())
    )
    review_settings_update(call=call, by=manager, reviewers_per_application=1, max_load=5)
    assignment_save(run=assignment_build(call=call), by=manager)
    assignment = Assignment.objects.get(application=application, reviewer=reviewer)
    return Scene(call, manager, applicant, application, attachment, reviewer, assignment)


def _other_reviewer(scene: Scene, **assignment_fields: Any) -> tuple[User, Assignment]:
    """Another active reviewer of the call with an assignment row on the application."""
    user = UserFactory()
    reviewer = reviewer_add(call=scene.call, user=user, by=scene.manager)
    assignment = Assignment.objects.create(
        application=scene.application, reviewer=reviewer, **assignment_fields
    )
    return user, assignment


# --- security: one walk over every page -------------------------------------------------


def _case(scene: Scene, case: str) -> tuple[User, int]:
    """The user of ``case`` and the assignment id they try to open."""
    if case == "computed_conflict":
        user, assignment = _other_reviewer(scene, state=AssignmentState.CONFIRMED)
        Conflict.objects.create(
            application=scene.application,
            reviewer=assignment.reviewer,
            source=ConflictSource.SAME_ORGANISATION,
        )
        return user, assignment.pk
    if case == "declared_conflict":
        user, assignment = _other_reviewer(scene, state=AssignmentState.CONFIRMED)
        Conflict.objects.create(
            application=scene.application,
            reviewer=assignment.reviewer,
            source=ConflictSource.DECLARED,
            reason="Ancien employeur",
        )
        return user, assignment.pk
    if case == "declined":
        user, assignment = _other_reviewer(scene, state=AssignmentState.DECLINED)
        return user, assignment.pk
    if case == "not_assigned":
        user = UserFactory()
        reviewer_add(call=scene.call, user=user, by=scene.manager)
        assignment_accept(assignment=scene.assignment, by=scene.reviewer.user)
        return user, scene.assignment.pk
    raise AssertionError(case)


PAGES = [
    ("review:assignment", "assignment"),
    ("review:read", "assignment"),
    ("review:score", "assignment"),
    ("documents:download", "attachment"),
    ("applications:detail", "application"),
    ("applications:receipt", "application"),
    ("applications:receipt_pdf", "application"),
    ("documents:application_attachments", "application"),
]


@pytest.mark.parametrize(
    "case", ["computed_conflict", "declared_conflict", "declined", "not_assigned"]
)
@pytest.mark.parametrize(("name", "target"), PAGES)
def test_reviewer_pages_without_right_are_404(
    scene: Scene, case: str, name: str, target: str
) -> None:
    user, assignment_pk = _case(scene, case)
    pk = {
        "assignment": assignment_pk,
        "attachment": scene.attachment.pk,
        "application": scene.application.pk,
    }[target]
    client = signed_in(user)

    response = client.get(reverse(name, args=[pk]))
    posted = client.post(reverse(name, args=[pk]), {"action": "accept"})

    assert response.status_code == 404
    assert posted.status_code in (404, 405)
    assert "Atelier robotique" not in page_text(response)


def test_reviewer_before_confirming_sees_no_content(scene: Scene) -> None:
    client = signed_in(scene.reviewer.user)

    page = client.get(reverse("review:assignment", args=[scene.assignment.pk]))
    read = client.get(reverse("review:read", args=[scene.assignment.pk]))
    score = client.get(reverse("review:score", args=[scene.assignment.pk]))
    download = client.get(reverse("documents:download", args=[scene.attachment.pk]))

    text = page_text(page)
    assert "Atelier robotique partagé" in text
    assert scene.application.organisation.name in text
    assert "Je n'ai aucun conflit d'intérêts" in text
    assert "Plan de financement" not in text
    assert read.status_code == 302
    assert read.url == reverse("review:assignment", args=[scene.assignment.pk])
    assert score.status_code == 302
    assert download.status_code == 404


def test_assignment_page_anonymised_hides_organisation(scene: Scene) -> None:
    review_settings_update(call=scene.call, by=scene.manager, anonymise_applicants=True)
    client = signed_in(scene.reviewer.user)

    text = page_text(client.get(reverse("review:assignment", args=[scene.assignment.pk])))

    assert "Porteur anonymisé" in text
    assert scene.application.organisation.name not in text


def test_assignment_confirm_then_read_frozen_snapshot_with_download(scene: Scene) -> None:
    client = signed_in(scene.reviewer.user)
    Application.objects.filter(pk=scene.application.pk).update(title="Titre modifié après dépôt")

    confirmed = client.post(
        reverse("review:assignment", args=[scene.assignment.pk]), {"action": "accept"}
    )
    read = client.get(reverse("review:read", args=[scene.assignment.pk]))
    download = client.get(reverse("documents:download", args=[scene.attachment.pk]))

    assert confirmed.status_code == 302
    assert confirmed.url == reverse("review:read", args=[scene.assignment.pk])
    scene.assignment.refresh_from_db()
    assert scene.assignment.state == AssignmentState.CONFIRMED
    text = page_text(read)
    assert "Atelier robotique partagé" in text
    assert "Titre modifié après dépôt" not in text
    assert scene.application.organisation.siret in text
    assert "Plan de financement" in text
    assert reverse("documents:download", args=[scene.attachment.pk]) in read.content.decode()
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_read_anonymised_hides_name_siret_and_contacts(scene: Scene) -> None:
    review_settings_update(call=scene.call, by=scene.manager, anonymise_applicants=True)
    submission = scene.application.submissions.get()
    organisation = scene.application.organisation
    submission.snapshot["description"] = (
        f"Porté par {organisation.name} ; contact Camille Durandal, "
        "camille@example.fr, 03 85 12 34 56."
    )
    submission.save(update_fields=["snapshot"])
    assignment_accept(assignment=scene.assignment, by=scene.reviewer.user)
    client = signed_in(scene.reviewer.user)

    text = page_text(client.get(reverse("review:read", args=[scene.assignment.pk])))

    assert "Porteur anonymisé" in text
    assert organisation.name not in text
    assert organisation.siret not in text
    assert "Durandal" not in text
    assert "camille@example.fr" not in text
    assert "03 85 12 34 56" not in text
    assert "[masqué]" in text


def test_assignment_declare_conflict_frees_and_hides(scene: Scene) -> None:
    client = signed_in(scene.reviewer.user)

    response = client.post(
        reverse("review:assignment", args=[scene.assignment.pk]),
        {"action": "conflict", "conflict-reason": "Mon ancien employeur"},
    )

    assert response.status_code == 302
    assert response.url == reverse("review:workspace")
    assert Conflict.objects.filter(
        reviewer=scene.reviewer, application=scene.application, source=ConflictSource.DECLARED
    ).exists()
    again = client.get(reverse("review:assignment", args=[scene.assignment.pk]))
    assert again.status_code == 404


def test_assignment_decline_without_reason_keeps_page_with_message(scene: Scene) -> None:
    client = signed_in(scene.reviewer.user)

    response = client.post(
        reverse("review:assignment", args=[scene.assignment.pk]),
        {"action": "decline", "decline-reason": ""},
    )

    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page_text(response)
    scene.assignment.refresh_from_db()
    assert scene.assignment.state == AssignmentState.PROPOSED


def test_assignment_decline_gives_place_to_another_reviewer(
    scene: Scene, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    newcomer = reviewer_add(
        call=scene.call, user=UserFactory(), by=scene.manager, themes=[scene.call.themes.first()]
    )
    client = signed_in(scene.reviewer.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review:assignment", args=[scene.assignment.pk]),
            {"action": "decline", "decline-reason": "En congé"},
        )

    assert response.status_code == 302
    scene.assignment.refresh_from_db()
    assert scene.assignment.state == AssignmentState.DECLINED
    assert list(
        Assignment.objects.filter(application=scene.application)
        .exclude(state=AssignmentState.DECLINED)
        .values_list("reviewer_id", flat=True)
    ) == [newcomer.pk]
    assert [m.to for m in mailoutbox] == [[newcomer.user.email]]
    assert "http://testserver/evaluation/" in mailoutbox[0].body


# --- scoring --------------------------------------------------------------------------


def _score_data(scene: Scene, action: str, **overrides: str) -> dict[str, str]:
    data = {"action": action, "overall_comment": "Solide", "recommendation": "fund"}
    for criterion in scene.call.criteria.all():
        data[f"score_{criterion.pk}"] = "4"
        data[f"comment_{criterion.pk}"] = f"Sur {criterion.name}"
    data.update(overrides)
    return data


def test_score_save_draft_then_submit_locks(scene: Scene) -> None:
    assignment_accept(assignment=scene.assignment, by=scene.reviewer.user)
    client = signed_in(scene.reviewer.user)
    url = reverse("review:score", args=[scene.assignment.pk])
    first = scene.call.criteria.order_by("position").first()
    assert first is not None

    draft = client.post(url, _score_data(scene, "save", **{f"score_{first.pk}": "3,5"}))
    review = Review.objects.get(assignment=scene.assignment)
    assert draft.status_code == 302
    assert review.submitted_at is None
    assert review.scores.get(criterion=first).value == Decimal("3.5")

    submitted = client.post(url, _score_data(scene, "submit"))
    review.refresh_from_db()
    assert submitted.status_code == 302
    assert review.submitted_at is not None
    page = page_text(client.get(url))
    assert "seul un gestionnaire du programme peut la rouvrir" in page
    assert "Enregistrer le brouillon" not in page


def test_score_above_scale_shows_field_error_and_keeps_input(scene: Scene) -> None:
    assignment_accept(assignment=scene.assignment, by=scene.reviewer.user)
    client = signed_in(scene.reviewer.user)
    first = scene.call.criteria.order_by("position").first()
    assert first is not None

    response = client.post(
        reverse("review:score", args=[scene.assignment.pk]),
        _score_data(scene, "save", **{f"score_{first.pk}": "9", "overall_comment": "À garder"}),
    )

    assert response.status_code == 200
    text = page_text(response)
    assert f"La note est au plus {first.scale_max}." in text
    assert "À garder" in text
    assert 'value="9"' in response.content.decode()
    assert not Review.objects.filter(assignment=scene.assignment).exists()


def test_score_submit_missing_marks_each_field(scene: Scene) -> None:
    assignment_accept(assignment=scene.assignment, by=scene.reviewer.user)
    client = signed_in(scene.reviewer.user)
    data = _score_data(scene, "submit", recommendation="")
    for criterion in scene.call.criteria.all():
        data[f"score_{criterion.pk}"] = ""
        data[f"comment_{criterion.pk}"] = ""

    response = client.post(reverse("review:score", args=[scene.assignment.pk]), data)

    text = page_text(response)
    assert text.count("Notez ce critère avant de rendre l'évaluation.") == 2
    assert "Indiquez votre recommandation avant de rendre l'évaluation." in text
    assert not Review.objects.filter(assignment=scene.assignment).exists()


def test_score_other_reviewers_shown_only_after_submitting(scene: Scene) -> None:
    review_settings_update(call=scene.call, by=scene.manager, show_other_scores=True)
    other_user, other = _other_reviewer(scene, state=AssignmentState.CONFIRMED)
    criteria = list(scene.call.criteria.all())
    other_review = review_save(
        assignment=other,
        by=other_user,
        scores=[ScoreInput(criterion_id=c.pk, value=Decimal(c.scale_max)) for c in criteria],
        recommendation=Recommendation.FUND,
    )
    review_submit(review=other_review, by=other_user)
    assignment_accept(assignment=scene.assignment, by=scene.reviewer.user)
    client = signed_in(scene.reviewer.user)
    url = reverse("review:score", args=[scene.assignment.pk])

    before = page_text(client.get(url))
    client.post(url, _score_data(scene, "submit"))
    after = page_text(client.get(url))

    assert "Notes des autres évaluateurs" not in before
    assert "Notes des autres évaluateurs" in after
    assert "Évaluateur 1 : 20" in after


# --- invitation -----------------------------------------------------------------------


def _invited(scene: Scene) -> Reviewer:
    return reviewer_add(
        call=scene.call, user=UserFactory(), by=scene.manager, state=ReviewerState.INVITED
    )


def test_invitation_accept_activates_and_goes_to_profile(scene: Scene) -> None:
    reviewer = _invited(scene)
    client = signed_in(reviewer.user)
    url = reverse("review:invitation", args=[invitation_token(reviewer)])

    page = client.get(url)
    response = client.post(url, {"action": "accept"})

    assert scene.call.title in page_text(page)
    assert response.status_code == 302
    assert response.url == reverse("review:profile", args=[scene.call.slug])
    reviewer.refresh_from_db()
    assert reviewer.state == ReviewerState.ACTIVE


def test_invitation_answered_twice_shows_message(scene: Scene) -> None:
    reviewer = _invited(scene)
    client = signed_in(reviewer.user)
    url = reverse("review:invitation", args=[invitation_token(reviewer)])
    client.post(url, {"action": "decline"})

    response = client.post(url, {"action": "accept"})

    assert response.status_code == 200
    assert "Vous avez déjà décliné cette invitation." in page_text(response)
    reviewer.refresh_from_db()
    assert reviewer.state == ReviewerState.DECLINED


def test_invitation_other_user_changes_nothing(scene: Scene) -> None:
    reviewer = _invited(scene)
    intruder = UserFactory()
    client = signed_in(intruder)
    url = reverse("review:invitation", args=[invitation_token(reviewer)])

    response = client.post(url, {"action": "accept"})

    assert response.status_code == 403
    assert "Cette invitation est destinée à un autre compte" in page_text(response)
    reviewer.refresh_from_db()
    assert reviewer.state == ReviewerState.INVITED


def test_invitation_forged_token_shows_clear_page(scene: Scene) -> None:
    client = signed_in(scene.reviewer.user)

    response = client.get(reverse("review:invitation", args=["pas-un-vrai-jeton"]))

    assert response.status_code == 404
    assert "Ce lien d'invitation n'est pas valable" in page_text(response)


def test_invitation_anonymous_redirected_to_login(scene: Scene) -> None:
    reviewer = _invited(scene)
    url = reverse("review:invitation", args=[invitation_token(reviewer)])

    response = Client().get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- profile --------------------------------------------------------------------------


def test_profile_saves_themes_and_expertise(scene: Scene) -> None:
    client = signed_in(scene.reviewer.user)
    url = reverse("review:profile", args=[scene.call.slug])
    theme = scene.call.themes.get()

    response = client.post(url, {"themes": [theme.pk], "expertise": "Jumeaux numériques"})

    assert response.status_code == 302
    reviewer = Reviewer.objects.get(pk=scene.reviewer.pk)
    assert reviewer.expertise == "Jumeaux numériques"
    assert list(reviewer.themes.all()) == [theme]
    assert "Jumeaux numériques" in page_text(client.get(url))


def test_profile_of_call_without_role_is_404(scene: Scene) -> None:
    client = signed_in(UserFactory())

    response = client.get(reverse("review:profile", args=[scene.call.slug]))

    assert response.status_code == 404


# --- workspace ------------------------------------------------------------------------


def test_workspace_lists_assignments_with_progress(scene: Scene) -> None:
    client = signed_in(scene.reviewer.user)

    text = page_text(client.get(reverse("review:workspace")))

    assert scene.call.title in text
    assert "Atelier robotique partagé" in text
    assert "Conflit d'intérêts à vérifier" in text
    assert "0 sur 1 rendue(s)." in text


def test_workspace_shows_pending_invitation(scene: Scene) -> None:
    reviewer = _invited(scene)
    client = signed_in(reviewer.user)

    response = client.get(reverse("review:workspace"))

    assert reverse("review:invitation", args=[invitation_token(reviewer)]) in (
        response.content.decode()
    )


def test_workspace_queries_do_not_grow_with_assignments(
    scene: Scene, django_assert_num_queries: Any
) -> None:
    client = signed_in(scene.reviewer.user)
    url = reverse("review:workspace")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for index in range(2):
        applicant = UserFactory()
        draft = make_complete_draft(scene.call, applicant, title=f"Autre {index}")
        application = application_submit(application=draft, by=applicant)
        Assignment.objects.create(application=application, reviewer=scene.reviewer)

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert sum(len(c.rows) for c in response.context["calls"]) == 3


def test_nav_link_shown_only_to_reviewers(scene: Scene) -> None:
    link = f'href="{reverse("review:workspace")}"'

    reviewer_page = signed_in(scene.reviewer.user).get(reverse("web:home"))
    other_page = signed_in(UserFactory()).get(reverse("web:home"))

    assert link in reviewer_page.content.decode()
    assert link not in other_page.content.decode()
