"""Drafting, editing and submitting applications through the domain functions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from laureat.accounts.models import User
from laureat.applicants.models import Organisation
from laureat.applications.budget import Expense, Resource
from laureat.applications.domain import (
    application_create_draft,
    application_submission_problems,
    application_submit,
    application_transition,
    application_update_draft,
)
from laureat.applications.enums import ApplicationState, ResourceKind
from laureat.applications.models import Application
from laureat.core.errors import ConflictError, DomainError, TransitionError
from laureat.core.models import AuditLog
from laureat.programmes.enums import ExpenseCategory
from laureat.programmes.models import Call, Technology
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FunderFactory,
    MembershipFactory,
    OpenCall,
    OrganisationFactory,
    ThemeFactory,
    UserFactory,
    commune,
    make_complete_draft,
)

pytestmark = pytest.mark.django_db

ENG, INV = ExpenseCategory.ENGINEERING, ExpenseCategory.INVESTMENT


def _draft(call: Call, user: User, organisation: Organisation) -> Application:
    return application_create_draft(
        call=call, organisation=organisation, title="Campus 4.0", by=user
    )


def _entries(application: Application, action: str) -> list[AuditLog]:
    return list(AuditLog.objects.for_object(application).filter(action=action))


# --- application_create_draft -------------------------------------------------


def test_application_create_draft_in_open_call_for_member(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = application_create_draft(
        call=open_call, organisation=organisation, title="  Campus 4.0  ", by=user
    )

    application.refresh_from_db()
    assert application.state == ApplicationState.DRAFT
    assert application.title == "Campus 4.0"
    assert application.version == 1
    assert application.submitted_at is None
    assert application.reference == f"{open_call.opens_at.year}-{open_call.pk:03d}-0001"
    entry = AuditLog.objects.for_object(application).get()
    assert (entry.actor, entry.action) == (user, "application.create")


def test_application_create_draft_references_follow_each_other_within_a_call(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    references = [_draft(open_call, user, organisation).reference for _ in range(3)]

    prefix = f"{open_call.opens_at.year}-{open_call.pk:03d}-"
    assert references == [f"{prefix}0001", f"{prefix}0002", f"{prefix}0003"]


@pytest.mark.parametrize(
    "call_traits",
    [{"closed": True}, {"upcoming": True}, {"draft": True}],
    ids=["closed", "upcoming", "draft"],
)
def test_application_create_draft_in_call_not_open_refused(
    call_traits: dict[str, bool], user: User, organisation: Organisation
) -> None:
    call = CallFactory(title="AMI 2024", **call_traits)

    with pytest.raises(DomainError) as caught:
        _draft(call, user, organisation)

    assert str(caught.value) == (
        "L'appel « AMI 2024 » n'est pas ouvert : on ne peut pas y préparer de candidature."
    )
    assert Application.objects.count() == 0


def test_application_create_draft_after_closing_time_given_refused(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    with pytest.raises(DomainError):
        application_create_draft(
            call=open_call,
            organisation=organisation,
            title="Campus 4.0",
            by=user,
            now=open_call.closes_at,
        )


def test_application_create_draft_for_organisation_of_others_refused(
    open_call: Call, user: User
) -> None:
    other = OrganisationFactory(name="Lycée Niépce")

    with pytest.raises(DomainError) as caught:
        _draft(open_call, user, other)

    assert str(caught.value) == "Vous n'êtes pas membre de l'organisation « Lycée Niépce »."
    assert Application.objects.count() == 0


def test_application_create_draft_blank_title_refused(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    with pytest.raises(DomainError) as caught:
        application_create_draft(call=open_call, organisation=organisation, title=" ", by=user)

    assert str(caught.value) == "Donnez un titre au projet."


# --- application_update_draft --------------------------------------------------


def test_application_update_draft_saves_values_and_increments_version(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)

    updated = application_update_draft(
        application=application,
        by=user,
        expected_version=1,
        values={
            "summary": "Un plateau technique partagé.",
            "commune": commune("92050"),
            "learners_targeted": 40,
            "start_date": date(2026, 9, 1),
        },
    )

    stored = Application.objects.get(pk=application.pk)
    assert (updated.version, stored.version) == (2, 2)
    assert stored.summary == "Un plateau technique partagé."
    assert stored.commune_id == "92050"
    assert stored.learners_targeted == 40
    assert stored.start_date == date(2026, 9, 1)


def test_application_update_draft_writes_audit_entry_naming_parts_changed(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)

    application_update_draft(
        application=application,
        by=user,
        expected_version=1,
        values={"title": "Nouveau titre", "acronym": "C4"},
        themes=[ThemeFactory()],
        expenses=[Expense(ENG, Decimal("10"))],
    )

    [entry] = _entries(application, "application.update")
    assert entry.actor == user
    assert entry.data == {"changed": ["acronym", "title", "themes", "expenses"], "version": 2}


def test_application_update_draft_sets_themes_and_technologies(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)
    theme, technology = ThemeFactory(), Technology.objects.get(slug="jumeau-numerique")

    application_update_draft(
        application=application,
        by=user,
        expected_version=1,
        themes=[theme],
        technologies=[technology],
    )

    assert list(application.themes.all()) == [theme]
    assert list(application.technologies.all()) == [technology]


def test_application_update_draft_stale_version_raises_conflict_and_writes_nothing(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)
    application_update_draft(
        application=application, by=user, expected_version=1, values={"title": "Version A"}
    )

    with pytest.raises(ConflictError) as caught:
        application_update_draft(
            application=application,
            by=user,
            expected_version=1,
            values={"title": "Version B"},
            expenses=[Expense(ENG, Decimal("10"))],
        )

    assert caught.value.code == "conflict"
    assert str(caught.value).startswith(
        "Quelqu'un a enregistré cette candidature pendant que vous la modifiiez."
    )
    stored = Application.objects.get(pk=application.pk)
    assert (stored.title, stored.version) == ("Version A", 2)
    assert stored.budget_lines.count() == 0
    assert len(_entries(application, "application.update")) == 1


def test_application_update_draft_of_submitted_application_refused(
    open_call: Call, user: User
) -> None:
    application = application_submit(application=make_complete_draft(open_call, user), by=user)

    with pytest.raises(DomainError) as caught:
        application_update_draft(
            application=application,
            by=user,
            expected_version=application.version,
            values={"title": "Trop tard"},
        )

    assert str(caught.value) == "La candidature est « Déposée » : elle ne peut plus être modifiée."
    assert Application.objects.get(pk=application.pk).title == "Campus de l'industrie du futur"


def test_application_update_draft_unknown_field_refused(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)

    with pytest.raises(DomainError) as caught:
        application_update_draft(
            application=application, by=user, expected_version=1, values={"state": "laureate"}
        )

    assert str(caught.value) == "Champs inconnus : state."


def test_application_update_draft_replaces_budget_lines(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)
    application = application_update_draft(
        application=application,
        by=user,
        expected_version=1,
        expenses=[Expense(ENG, Decimal("100")), Expense(INV, Decimal("200"), "Robot")],
        resources=[Resource(ResourceKind.OWN_FUNDS, Decimal("300"))],
    )

    application_update_draft(
        application=application,
        by=user,
        expected_version=2,
        expenses=[Expense(INV, Decimal("50.5"), "Imprimante 3D")],
    )

    assert list(application.budget_lines.values_list("category", "label", "amount")) == [
        (INV, "Imprimante 3D", Decimal("50.50"))
    ]
    # Resources were not given: unchanged.
    assert list(application.resource_lines.values_list("kind", "amount")) == [
        (ResourceKind.OWN_FUNDS, Decimal("300.00"))
    ]


def test_application_update_draft_expense_without_label_takes_category_label(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)

    application_update_draft(
        application=application, by=user, expected_version=1, expenses=[Expense(ENG, Decimal("1"))]
    )

    assert application.budget_lines.get().label == "Études d'ingénierie"


def test_application_update_draft_request_to_funder_outside_call_refused(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)
    outsider = FunderFactory()

    with pytest.raises(DomainError) as caught:
        application_update_draft(
            application=application,
            by=user,
            expected_version=1,
            resources=[Resource(ResourceKind.FUNDER, Decimal("100"), outsider.pk)],
        )

    assert str(caught.value) == "Ce cofinanceur ne participe pas à cet appel."
    assert application.resource_lines.count() == 0


def test_application_update_draft_two_requests_to_one_funder_refused(
    open_call_setup: OpenCall, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call_setup.call, user, organisation)
    etat = open_call_setup.etat.pk

    with pytest.raises(DomainError) as caught:
        application_update_draft(
            application=application,
            by=user,
            expected_version=1,
            resources=[
                Resource(ResourceKind.FUNDER, Decimal("100"), etat),
                Resource(ResourceKind.FUNDER, Decimal("200"), etat),
            ],
        )

    assert str(caught.value) == "Une seule demande par cofinanceur : regroupez les montants."


@pytest.mark.parametrize(
    "resource",
    [
        Resource(ResourceKind.FUNDER, Decimal("100")),
        Resource(ResourceKind.OWN_FUNDS, Decimal("100"), funder_id=1),
    ],
    ids=["request-without-funder", "own-funds-with-funder"],
)
def test_application_update_draft_request_must_name_funder_and_only_requests_do(
    open_call: Call, user: User, organisation: Organisation, resource: Resource
) -> None:
    application = _draft(open_call, user, organisation)

    with pytest.raises(DomainError) as caught:
        application_update_draft(
            application=application, by=user, expected_version=1, resources=[resource]
        )

    assert str(caught.value) == "Une demande de financement doit nommer le cofinanceur sollicité."


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("0.004")])
def test_application_update_draft_expense_not_positive_refused(
    open_call: Call, user: User, organisation: Organisation, amount: Decimal
) -> None:
    application = _draft(open_call, user, organisation)

    with pytest.raises(DomainError) as caught:
        application_update_draft(
            application=application, by=user, expected_version=1, expenses=[Expense(ENG, amount)]
        )

    assert str(caught.value) == "Chaque dépense doit avoir un montant positif."


def test_application_update_draft_unknown_expense_category_refused(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)

    with pytest.raises(DomainError) as caught:
        application_update_draft(
            application=application,
            by=user,
            expected_version=1,
            expenses=[Expense("travel", Decimal("10"))],
        )

    assert str(caught.value) == "Catégorie de dépense inconnue : travel."


# --- application_submit ---------------------------------------------------------


def test_application_submit_incomplete_refused_listing_every_problem(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)
    expected_problems = [
        "Rédigez le résumé du projet.",
        "Indiquez la commune où le projet se déroule.",
        "Indiquez le nombre d'apprenants visés (au moins un).",
        "Indiquez la date de démarrage du projet.",
        "Choisissez au moins un thème de l'appel.",
        "Le budget ne comporte aucune dépense.",
    ]
    assert application_submission_problems(application) == expected_problems

    with pytest.raises(DomainError) as caught:
        application_submit(application=application, by=user)

    assert caught.value.code == "incomplete"
    assert str(caught.value) == "La candidature n'est pas complète : " + " ".join(expected_problems)
    stored = Application.objects.get(pk=application.pk)
    assert (stored.state, stored.submitted_at) == (ApplicationState.DRAFT, None)


def test_application_submit_unbalanced_budget_refused(open_call: Call, user: User) -> None:
    application = make_complete_draft(open_call, user)
    application = application_update_draft(
        application=application,
        by=user,
        expected_version=application.version,
        resources=[Resource(ResourceKind.OWN_FUNDS, Decimal("1000"))],
    )

    with pytest.raises(DomainError) as caught:
        application_submit(application=application, by=user)

    assert str(caught.value).startswith(
        "La candidature n'est pas complète : Le budget n'est pas équilibré"
    )


def test_application_submit_after_closing_says_the_call_is_closed(
    open_call: Call, user: User
) -> None:
    application = make_complete_draft(open_call, user)
    closes_at = open_call.closes_at

    with pytest.raises(DomainError) as caught:
        application_submit(application=application, by=user, now=closes_at)

    closing = timezone.localtime(closes_at).strftime("%d/%m/%Y à %H:%M")
    assert str(caught.value) == (
        f"L'appel est clos depuis le {closing} : la candidature ne peut plus être déposée."
    )
    assert Application.objects.get(pk=application.pk).state == ApplicationState.DRAFT


def test_application_submit_call_closed_since_draft_refused(open_call: Call, user: User) -> None:
    application = make_complete_draft(open_call, user)
    Call.objects.filter(pk=open_call.pk).update(
        opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(days=1)
    )

    with pytest.raises(DomainError) as caught:
        application_submit(application=application, by=user)

    assert str(caught.value).startswith("L'appel est clos depuis le ")


def test_application_submit_complete_draft_submits_with_submitted_at(
    open_call: Call, user: User
) -> None:
    application = make_complete_draft(open_call, user)
    when = timezone.now().replace(microsecond=0)

    submitted = application_submit(application=application, by=user, now=when)

    stored = Application.objects.get(pk=application.pk)
    assert (submitted.state, stored.state) == (ApplicationState.SUBMITTED, "submitted")
    assert stored.submitted_at == when
    assert stored.version == application.version + 1
    assert [e.data for e in _entries(stored, "application.transition")] == [
        {"from": "draft", "to": "submitted", "reason": ""}
    ]


def test_application_submit_twice_keeps_first_submission(open_call: Call, user: User) -> None:
    application = make_complete_draft(open_call, user)
    first = application_submit(application=application, by=user)

    second = application_submit(
        application=application, by=user, now=first.submitted_at + timedelta(hours=1)
    )

    assert second.pk == first.pk
    assert (second.submitted_at, second.version) == (first.submitted_at, first.version)
    assert len(_entries(application, "application.transition")) == 1


def test_application_submit_by_non_member_refused(open_call: Call, user: User) -> None:
    application = make_complete_draft(open_call, user)

    with pytest.raises(TransitionError):
        application_submit(application=application, by=UserFactory())

    assert Application.objects.get(pk=application.pk).state == ApplicationState.DRAFT


def test_application_submit_after_reopening_records_new_submission(
    open_call: Call, user: User, manager: User
) -> None:
    application = make_complete_draft(open_call, user)
    first = application_submit(application=application, by=user)
    application_transition(
        application=first, target=ApplicationState.DRAFT, by=manager, reason="Pièce manquante"
    )
    later = first.submitted_at + timedelta(hours=2)

    again = application_submit(application=application, by=user, now=later)

    assert (again.state, again.submitted_at) == (ApplicationState.SUBMITTED, later)
    assert len(_entries(application, "application.transition")) == 3


def test_application_submit_withdrawn_application_refused(open_call: Call, user: User) -> None:
    application = application_submit(application=make_complete_draft(open_call, user), by=user)
    application_transition(
        application=application,
        target=ApplicationState.WITHDRAWN,
        by=user,
        reason="Projet abandonné",
    )

    with pytest.raises(DomainError):
        application_submit(application=application, by=user)


# --- withdrawal -------------------------------------------------------------------


def test_application_withdraw_draft_needs_no_reason(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)

    withdrawn = application_transition(
        application=application, target=ApplicationState.WITHDRAWN, by=user
    )

    assert withdrawn.state == ApplicationState.WITHDRAWN
    assert withdrawn.submitted_at is None


def test_application_withdraw_submitted_needs_reason(open_call: Call, user: User) -> None:
    application = application_submit(application=make_complete_draft(open_call, user), by=user)

    with pytest.raises(TransitionError):
        application_transition(application=application, target=ApplicationState.WITHDRAWN, by=user)

    withdrawn = application_transition(
        application=application,
        target=ApplicationState.WITHDRAWN,
        by=user,
        reason="Le projet est reporté d'un an.",
    )
    assert withdrawn.state == ApplicationState.WITHDRAWN
    # The date of submission stays on record.
    assert withdrawn.submitted_at == application.submitted_at


def test_application_withdraw_by_another_member_of_the_organisation_allowed(
    open_call: Call, user: User, organisation: Organisation
) -> None:
    application = _draft(open_call, user, organisation)
    colleague = MembershipFactory(organisation=organisation).user

    withdrawn = application_transition(
        application=application, target=ApplicationState.WITHDRAWN, by=colleague
    )

    assert withdrawn.state == ApplicationState.WITHDRAWN


def test_application_factory_draft_is_in_open_call() -> None:
    application = ApplicationFactory()

    assert application.state == ApplicationState.DRAFT
    assert application.call.is_open() is True
