"""Another applicant tries every page of an application that is not theirs: 404, nothing changed."""

import pytest
from django.test import Client
from django.urls import reverse

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.domain import application_submit
from laureat.applications.models import Application, Submission
from laureat.core.models import AuditLog
from laureat.programmes.models import Call
from tests.factories import PASSWORD, MembershipFactory, UserFactory, make_complete_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider_client(client: Client) -> Client:
    outsider = UserFactory()
    MembershipFactory(user=outsider)  # a member of some other organisation
    assert client.login(email=outsider.email, password=PASSWORD)
    return client


def _state(application: Application) -> tuple[object, ...]:
    application.refresh_from_db()
    return (
        application.state,
        application.version,
        application.title,
        Submission.objects.count(),
        AuditLog.objects.count(),
    )


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("applications:detail", [], "get"),
        ("applications:step", ["projet"], "get"),
        ("applications:step", ["projet"], "post"),
        ("applications:step", ["budget"], "post"),
        ("applications:step", ["recapitulatif"], "get"),
        ("applications:budget_totals", [], "post"),
        ("applications:submit", [], "post"),
        ("applications:receipt", [], "get"),
        ("applications:receipt_pdf", [], "get"),
        ("applications:withdraw", [], "get"),
        ("applications:withdraw", [], "post"),
    ],
)
@pytest.mark.parametrize("submitted", [False, True])
def test_outsider_gets_404_and_changes_nothing(
    outsider_client: Client,
    open_call: Call,
    user: User,
    organisation: Organisation,
    name: str,
    args: list[str],
    method: str,
    submitted: bool,
) -> None:
    application = make_complete_draft(open_call, user, organisation=organisation)
    if submitted:
        application = application_submit(application=application, by=user, notify=False)
    before = _state(application)
    url = reverse(name, args=[application.pk, *args])
    data = {"version": application.version, "title": "Piraté", "reason": "Piraté"}

    response = getattr(outsider_client, method)(url, data)

    assert response.status_code == 404
    assert _state(application) == before


def test_anonymous_is_sent_to_login(client: Client, open_call: Call, user: User) -> None:
    application = make_complete_draft(open_call, user)

    response = client.get(reverse("applications:detail", args=[application.pk]))

    assert response["Location"].startswith(reverse("accounts:login"))


def test_dashboard_shows_only_own_applications(
    outsider_client: Client, open_call: Call, user: User
) -> None:
    make_complete_draft(open_call, user)

    response = outsider_client.get(reverse("applications:dashboard"))

    assert response.context["rows"] == []
