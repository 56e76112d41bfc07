"""The call's own questions: defined by the manager, answered in the wizard, shown with the file."""

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.domain import (
    application_submission_problems,
    application_submit,
    application_update_draft,
)
from laureat.applications.models import Answer, Application, Submission
from laureat.core.errors import DomainError
from laureat.programmes.domain import call_question_add
from laureat.programmes.models import Call, CallQuestion, QuestionKind
from tests.factories import make_complete_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(open_call: Call, user: User, organisation: Organisation) -> Application:
    return make_complete_draft(open_call, user, organisation=organisation)


def _add(call: Call, kind: str, **kwargs: Any) -> CallQuestion:
    return call_question_add(
        call=call, label=kwargs.pop("label", kind), kind=kind, by=None, **kwargs
    )


def test_call_question_add_numbers_positions(open_call: Call) -> None:
    first = _add(open_call, QuestionKind.SHORT_TEXT)
    second = _add(open_call, QuestionKind.NUMBER)

    assert (first.position, second.position) == (1, 2)


def test_call_question_add_choice_needs_two_choices(open_call: Call) -> None:
    with pytest.raises(DomainError) as caught:
        _add(open_call, QuestionKind.SINGLE_CHOICE, choices=["Seul"])

    assert str(caught.value) == "Une question à choix propose au moins deux réponses différentes."


def test_call_question_add_choices_refused_for_text(open_call: Call) -> None:
    with pytest.raises(DomainError):
        _add(open_call, QuestionKind.SHORT_TEXT, choices=["a", "b"])


def test_call_question_kind_checked_by_database(open_call: Call) -> None:
    with pytest.raises(IntegrityError):
        CallQuestion.objects.create(call=open_call, label="Q", kind="colour")


def test_answers_of_each_kind_saved_through_wizard(
    user_client: Client, draft: Application, open_call: Call, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    questions = {
        kind: _add(open_call, kind, choices=["Un", "Deux"] if "choice" in kind else ())
        for kind in QuestionKind.values
    }
    upload = SimpleUploadedFile("lettre.pdf", b"%PDF-1.4 lettre", content_type="application/pdf")
    data = {
        "version": draft.version,
        f"q_{questions['short_text'].pk}": "Court",
        f"q_{questions['long_text'].pk}": "Long\ntexte",
        f"q_{questions['number'].pk}": "12,5",
        f"q_{questions['yes_no'].pk}": "yes",
        f"q_{questions['single_choice'].pk}": "Deux",
        f"q_{questions['multiple_choice'].pk}": ["Deux", "Un"],
        f"q_{questions['date'].pk}": "2027-01-15",
        f"q_{questions['file'].pk}": upload,
    }

    response = user_client.post(reverse("applications:step", args=[draft.pk, "questions"]), data)

    assert response.status_code == 302
    values = {a.question.kind: a.value for a in Answer.objects.select_related("question")}
    assert values == {
        "short_text": "Court",
        "long_text": "Long\ntexte",
        "number": "12.5",
        "yes_no": True,
        "single_choice": "Deux",
        "multiple_choice": ["Un", "Deux"],
        "date": "2027-01-15",
        "file": {
            "name": "lettre.pdf",
            "sha256": hashlib.sha256(b"%PDF-1.4 lettre").hexdigest(),
            "size": 15,
        },
    }


def test_invalid_choice_refused_and_nothing_saved(draft: Application, user: User) -> None:
    question = _add(draft.call, QuestionKind.SINGLE_CHOICE, choices=["Oui", "Non"])

    with pytest.raises(DomainError):
        application_update_draft(
            application=draft,
            by=user,
            expected_version=draft.version,
            answers={question: "Peut-être"},
        )

    assert Answer.objects.count() == 0
    assert Application.objects.get(pk=draft.pk).version == draft.version


def test_required_question_unanswered_blocks_submission(draft: Application) -> None:
    _add(draft.call, QuestionKind.LONG_TEXT, label="Partenaires", required=True)

    assert application_submission_problems(draft) == ["Répondez à la question « Partenaires »."]


def test_answers_are_in_snapshot_and_detail_page(
    user_client: Client, draft: Application, user: User
) -> None:
    question = _add(draft.call, QuestionKind.YES_NO, label="Déjà financé ?")
    draft = application_update_draft(
        application=draft, by=user, expected_version=draft.version, answers={question: True}
    )
    application_submit(application=draft, by=user, notify=False)

    snapshot = Submission.objects.get().snapshot
    response = user_client.get(reverse("applications:detail", args=[draft.pk]))

    assert snapshot["answers"] == [{"question": "Déjà financé ?", "kind": "yes_no", "value": True}]
    assert response.context["answer_rows"] == [(question, "Oui")]
