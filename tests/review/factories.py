"""A call under review, built through the domain functions, for the review tests."""

from dataclasses import dataclass

from laureat.accounts.models import User
from laureat.applications.domain import application_submit
from laureat.applications.models import Application
from laureat.programmes.enums import ProgrammeRoleKind
from laureat.programmes.models import Call
from laureat.review.domain import (
    assignment_build,
    assignment_save,
    review_settings_update,
    reviewer_add,
)
from laureat.review.models import Reviewer
from tests.factories import (
    OpenCall,
    ProgrammeRoleFactory,
    UserFactory,
    make_complete_draft,
    make_open_call_with_envelopes,
)


@dataclass(frozen=True)
class ReviewSetup:
    """An open call with submitted applications, a reviewer pool and a saved assignment."""

    open_call: OpenCall
    manager: User
    applicants: list[User]
    applications: list[Application]
    reviewers: list[Reviewer]

    @property
    def call(self) -> Call:
        return self.open_call.call


def make_review_setup(
    *, applications: int = 4, reviewers: int = 4, k: int = 2, assign: bool = True
) -> ReviewSetup:
    """``applications`` submitted files, ``reviewers`` active reviewers with the call's theme,
    ``k`` reviewers per application, and (when ``assign``) the optimiser's assignment saved.
    The manager holds the programme's manager role."""
    open_call = make_open_call_with_envelopes()
    call = open_call.call
    manager = UserFactory()
    ProgrammeRoleFactory(programme=call.programme, user=manager, role=ProgrammeRoleKind.MANAGER)
    applicants: list[User] = []
    submitted: list[Application] = []
    for index in range(applications):
        applicant = UserFactory()
        draft = make_complete_draft(call, applicant, title=f"Projet {index + 1}")
        submitted.append(application_submit(application=draft, by=applicant))
        applicants.append(applicant)
    pool = [
        reviewer_add(call=call, user=UserFactory(), by=manager, themes=list(call.themes.all()))
        for _ in range(reviewers)
    ]
    review_settings_update(
        call=call, by=manager, reviewers_per_application=k, min_load=0, max_load=applications
    )
    if assign:
        assignment_save(run=assignment_build(call=call), by=manager)
    return ReviewSetup(
        open_call=open_call,
        manager=manager,
        applicants=applicants,
        applications=submitted,
        reviewers=pool,
    )
