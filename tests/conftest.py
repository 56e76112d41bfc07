"""Fixtures shared by the whole suite: people and an open call. App-specific data lives in tests."""

import os
from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole
from laureat.applicants.models import Organisation
from laureat.programmes.enums import ProgrammeRoleKind
from laureat.programmes.models import Call
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OpenCall,
    OrganisationFactory,
    ProgrammeRoleFactory,
    UserFactory,
    make_open_call_with_envelopes,
)

# In CI (CI=true) property tests draw the same examples every run, so that a
# failure there is reproducible and main cannot turn red by chance; locally they
# keep exploring new examples (a failure found that way becomes an @example).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in French and leaves no language behind.

    A request activates its language in the thread (LocaleMiddleware) and nothing
    deactivates it afterwards: without this, a test that browses in English would
    make ``reverse()`` in the next test return "/en/..." addresses.
    """
    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture
def user(db: None) -> User:
    """A person with no role anywhere; signs in with ``user.email`` and ``PASSWORD``."""
    return UserFactory()


@pytest.fixture
def user_client(client: Client, user: User) -> Client:
    """A test client signed in as ``user``."""
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def organisation(user: User) -> Organisation:
    """An organisation of which ``user`` is an administrator."""
    organisation = OrganisationFactory()
    MembershipFactory(user=user, organisation=organisation, role=MembershipRole.ADMIN)
    return organisation


@pytest.fixture
def open_call_setup(db: None) -> OpenCall:
    """An open call with its two co-funders ("Banque des Territoires", "État") and a theme."""
    return make_open_call_with_envelopes()


@pytest.fixture
def open_call(open_call_setup: OpenCall) -> Call:
    """A published call, open now, with two envelopes and two criteria."""
    return open_call_setup.call


@pytest.fixture
def manager(open_call: Call) -> User:
    """A manager of the programme of ``open_call``."""
    role = ProgrammeRoleFactory(programme=open_call.programme, role=ProgrammeRoleKind.MANAGER)
    return role.user
