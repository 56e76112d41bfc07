"""The managers' hub: the calls they manage and each call's stages."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from laureat.accounts.models import User
from laureat.applications.domain import application_submit
from laureat.programmes.enums import CallState, ProgrammeRoleKind
from laureat.programmes.models import Programme
from tests.factories import (
    CallFactory,
    ProgrammeFactory,
    ProgrammeRoleFactory,
    UserFactory,
    make_complete_draft,
    make_open_call_with_envelopes,
)

pytestmark = pytest.mark.django_db


def _manager(programme: Programme) -> User:
    user = UserFactory()
    ProgrammeRoleFactory(programme=programme, user=user, role=ProgrammeRoleKind.MANAGER)
    return user


def test_manage_home_lists_only_the_calls_of_managed_programmes_with_counts(
    client: Client,
) -> None:
    call = make_open_call_with_envelopes().call
    other = CallFactory(title="Appel d'un autre programme")
    applicant = UserFactory()
    application_submit(application=make_complete_draft(call, applicant), by=applicant)
    make_complete_draft(call, UserFactory(), title="Brouillon")
    client.force_login(_manager(call.programme))

    response = client.get(reverse("web:manage_home"))

    assert response.status_code == 200
    calls = response.context["calls"]
    assert [c.pk for c in calls] == [call.pk]
    assert (calls[0].drafts_count, calls[0].submitted_count, calls[0].to_check_count) == (1, 1, 1)
    assert other.title not in response.content.decode()


def test_manage_home_refuses_a_user_who_manages_nothing(client: Client) -> None:
    CallFactory()
    client.force_login(UserFactory())
    assert client.get(reverse("web:manage_home")).status_code == 403


def test_manage_home_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(reverse("web:manage_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("count", [1, 3])
def test_manage_home_query_count_does_not_grow_with_calls(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries, count: int
) -> None:
    programme = ProgrammeFactory()
    for _ in range(count):
        CallFactory(programme=programme)
    client.force_login(_manager(programme))
    # session, user, the header's roles, the annotated calls
    with django_assert_num_queries(4):
        response = client.get(reverse("web:manage_home"))
    assert len(response.context["calls"]) == count


def test_manage_call_links_every_stage_and_results_only_once_published(client: Client) -> None:
    call = CallFactory(closed=True)
    client.force_login(_manager(call.programme))

    response = client.get(reverse("web:manage_call", args=[call.slug]))
    urls = [section.url for section in response.context["sections"]]
    assert urls == [
        reverse("eligibility:manage", kwargs={"slug": call.slug}),
        reverse("review:manage", kwargs={"slug": call.slug}),
        reverse("selection:manage", kwargs={"slug": call.slug}),
        reverse("notifications:outbox", kwargs={"slug": call.slug}),
    ]

    call.state = CallState.RESULTS_PUBLISHED
    call.save(update_fields=["state"])
    response = client.get(reverse("web:manage_call", args=[call.slug]))
    assert response.context["sections"][-1].url == reverse(
        "reporting:call_results", kwargs={"slug": call.slug}
    )


def test_manage_call_refuses_others_and_unknown_calls(client: Client) -> None:
    call = CallFactory()
    client.force_login(UserFactory())
    assert client.get(reverse("web:manage_call", args=[call.slug])).status_code == 403
    assert client.get(reverse("web:manage_call", args=["inconnu"])).status_code == 404


def test_nav_shows_the_management_link_to_managers_only(client: Client) -> None:
    call = CallFactory()
    manager = _manager(call.programme)
    link = f'href="{reverse("web:manage_home")}"'

    client.force_login(UserFactory())
    assert link not in client.get(reverse("web:home")).content.decode()
    client.force_login(manager)
    assert link in client.get(reverse("web:home")).content.decode()
