"""Fixtures for attachments and requests for information: uploads go to a temporary MEDIA_ROOT."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from laureat.accounts.models import User
from laureat.applicants.enums import MembershipRole
from laureat.applicants.models import Organisation
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.programmes.models import Call
from tests.factories import ApplicationFactory, MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.LAUREAT_VIRUS_SCAN_COMMAND = ""
    return root


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def draft(open_call: Call, organisation: Organisation) -> Application:
    """A draft of ``organisation`` (``user`` is its administrator) in the open call."""
    return ApplicationFactory(call=open_call, organisation=organisation)


@pytest.fixture
def submitted(open_call: Call, organisation: Organisation) -> Application:
    return ApplicationFactory(
        call=open_call, organisation=organisation, state=ApplicationState.SUBMITTED
    )


@pytest.fixture
def other_applicant(open_call: Call) -> User:
    """A member of another organisation, which has its own draft in the same call."""
    person = UserFactory()
    other = OrganisationFactory()
    MembershipFactory(user=person, organisation=other, role=MembershipRole.ADMIN)
    ApplicationFactory(call=open_call, organisation=other)
    return person
