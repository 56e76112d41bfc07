"""The selection pages: who may see them, the manager's flows, errors shown as messages."""

import html
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from laureat.accounts.models import User
from laureat.applications.models import Application
from laureat.programmes.enums import CallState
from laureat.review.enums import ConflictSource
from laureat.review.models import Conflict, Reviewer
from laureat.selection.domain import (
    decisions_load_proposal,
    meeting_create,
    selection_compute,
    selection_settings_for,
)
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import CommitteeMeeting, Decision, SelectionRun
from tests.documents.samples import exe_bytes, pdf_bytes
from tests.factories import PASSWORD, UserFactory
from tests.selection.test_deliberation import Deliberation, make_deliberation

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def _manage(d: Deliberation) -> str:
    return reverse("selection:manage", kwargs={"slug": d.call.slug})


def _meeting_url(d: Deliberation, meeting: CommitteeMeeting, name: str = "meeting") -> str:
    return reverse(f"selection:{name}", kwargs={"slug": d.call.slug, "pk": meeting.pk})


def _policy_post(**overrides: str) -> dict[str, str]:
    data = {
        "objective": "merit_money",
        "score_scale": "raw",
        "min_score": "",
        "region_floor": "1",
        "region_floor_score": "",
        "region_cap_count": "",
        "region_cap_percent": "",
        "partial_percent": "",
        "action": "compute",
    }
    data.update(overrides)
    return data


def _meeting(d: Deliberation, *members: User, quorum: int = 1) -> CommitteeMeeting:
    return meeting_create(
        call=d.call,
        by=d.manager,
        held_on=timezone.now(),
        members=list(members) or [d.manager],
        quorum=quorum,
    )


# --- permissions ----------------------------------------------------------------------


def test_selection_pages_refuse_anonymous_visitors(client: Client) -> None:
    d = make_deliberation()
    meeting = _meeting(d)

    for url in (_manage(d), _meeting_url(d, meeting)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_selection_pages_refuse_an_applicant() -> None:
    d = make_deliberation()
    meeting = _meeting(d)
    applicant = d.applications[0].organisation.memberships.first().user  # type: ignore[union-attr]
    client = _client(applicant)

    assert client.get(_manage(d)).status_code == 403
    assert client.get(_meeting_url(d, meeting)).status_code == 403
    assert client.post(_manage(d), _policy_post()).status_code == 403
    assert SelectionRun.objects.count() == 0


def test_selection_pages_refuse_a_reviewer_who_is_not_a_member() -> None:
    d = make_deliberation()
    meeting = _meeting(d)
    client = _client(d.reviewer)

    assert client.get(_manage(d)).status_code == 403
    assert client.get(_meeting_url(d, meeting)).status_code == 403


def test_committee_member_never_sees_an_application_they_are_in_conflict_with() -> None:
    d = make_deliberation()
    meeting = _meeting(d, d.manager, d.reviewer)
    decisions_load_proposal(
        meeting=meeting, run=selection_compute(call=d.call, by=d.manager), by=d.manager
    )
    conflicted, other = d.applications[0], d.applications[1]
    Conflict.objects.create(
        application=conflicted,
        reviewer=Reviewer.objects.get(call=d.call, user=d.reviewer),
        source=ConflictSource.DECLARED,
        reason="Ancien employeur",
    )
    member, manager = _client(d.reviewer), _client(d.manager)

    for url in (_meeting_url(d, meeting), _manage(d)):
        seen = _text(member.get(url))
        assert conflicted.reference not in seen
        assert conflicted.title not in seen
        assert other.reference in seen
        assert "1 candidature n'est pas affichée" in seen
        assert conflicted.reference in _text(manager.get(url))


def test_committee_member_reads_the_meeting_without_changing_it() -> None:
    d = make_deliberation()
    meeting = _meeting(d, d.manager, d.reviewer)
    decisions_load_proposal(
        meeting=meeting, run=selection_compute(call=d.call, by=d.manager), by=d.manager
    )
    client = _client(d.reviewer)

    page = client.get(_meeting_url(d, meeting))
    proposal = client.get(_manage(d))
    load = client.post(_meeting_url(d, meeting, "meeting_load"))
    edit = client.get(
        reverse(
            "selection:decision_edit",
            kwargs={"slug": d.call.slug, "pk": meeting.pk, "application": d.applications[0].pk},
        )
    )

    assert page.status_code == 200
    assert d.applications[0].reference in _text(page)
    assert "Publier toutes les décisions" not in _text(page)
    assert proposal.status_code == 200
    assert "Calculer la proposition" not in _text(proposal)
    assert (load.status_code, edit.status_code) == (403, 403)


def test_meeting_of_another_call_is_not_found() -> None:
    d = make_deliberation()
    other = make_deliberation()
    meeting = _meeting(other)
    client = _client(d.manager)

    url = reverse("selection:meeting", kwargs={"slug": d.call.slug, "pk": meeting.pk})
    assert client.get(url).status_code == 404


# --- policy and proposal -------------------------------------------------------------


def test_manager_computes_the_proposal_and_reads_explanations() -> None:
    d = make_deliberation()
    client = _client(d.manager)

    response = client.post(_manage(d), _policy_post(min_score="4"), follow=True)

    text = _text(response)
    assert response.status_code == 200
    assert "Proposition calculée : 2 lauréats proposés." in text
    assert "Hors budget" in text
    assert "Comparaison avec le classement simple" in text
    assert "Banque des Territoires" in text
    assert "100 000,00 €" in text  # two laureates x 50,000 EUR of the Banque des Territoires
    assert selection_settings_for(d.call).min_score == 4


def test_manager_sees_the_conflicting_constraints_and_keeps_the_values() -> None:
    d = make_deliberation()
    client = _client(d.manager)

    response = client.post(_manage(d), _policy_post(region_cap_percent="10", region_floor="1"))

    text = _text(response)
    assert response.status_code == 400
    assert "La proposition n’a pas pu être calculée" in text
    assert "Ces contraintes s'opposent" in text
    assert 'value="10' in text
    assert SelectionRun.objects.count() == 0
    assert selection_settings_for(d.call).region_cap_share is None


def test_manager_gets_field_errors_for_bad_input() -> None:
    d = make_deliberation()
    client = _client(d.manager)

    response = client.post(
        _manage(d), _policy_post(min_score="abc", region_cap_percent="250", action="save")
    )

    text = _text(response)
    assert response.status_code == 200
    assert "Saisissez un nombre." in text
    assert "inférieure ou égale à 100" in text
    assert SelectionRun.objects.count() == 0


def test_manager_gets_a_message_when_the_floor_exceeds_the_cap() -> None:
    d = make_deliberation()
    client = _client(d.manager)

    response = client.post(
        _manage(d), _policy_post(region_floor="3", region_cap_count="1", action="save")
    )

    assert "dépasse le maximum par région" in _text(response)


def test_manager_forces_an_application_out() -> None:
    d = make_deliberation()
    client = _client(d.manager)
    best = d.applications[0]

    client.post(
        reverse("selection:force", kwargs={"slug": d.call.slug}),
        {"application": best.pk, "choice": "out"},
    )
    client.post(_manage(d), _policy_post())

    run = SelectionRun.objects.latest("pk")
    assert best.pk not in run.result["selected"]
    assert selection_settings_for(d.call).forced_out == [best.pk]


def test_force_refuses_bad_input() -> None:
    d = make_deliberation()
    client = _client(d.manager)

    response = client.post(
        reverse("selection:force", kwargs={"slug": d.call.slug}),
        {"application": "nope", "choice": "in"},
        follow=True,
    )

    assert "pas dans cet appel" in _text(response)


# --- meetings -----------------------------------------------------------------------------


def test_manager_creates_a_meeting_with_members() -> None:
    d = make_deliberation()
    client = _client(d.manager)

    response = client.post(
        reverse("selection:meeting_create", kwargs={"slug": d.call.slug}),
        {
            "held_on": "2026-12-01T14:30",
            "place": "Visio",
            "members": [d.manager.pk, d.reviewer.pk],
            "quorum": "2",
            "minutes": "",
        },
        follow=True,
    )

    meeting = CommitteeMeeting.objects.get()
    assert response.status_code == 200
    assert set(meeting.members.all()) == {d.manager, d.reviewer}
    assert "2 présent(s) pour un quorum de 2" in _text(response)


def test_meeting_create_refuses_bad_input() -> None:
    d = make_deliberation()
    client = _client(d.manager)

    response = client.post(
        reverse("selection:meeting_create", kwargs={"slug": d.call.slug}),
        {"held_on": "demain", "members": [UserFactory().pk], "quorum": "0"},
    )

    text = _text(response)
    assert "Indiquez une date et une heure valides." in text
    assert "supérieure ou égale à 1" in text
    assert CommitteeMeeting.objects.count() == 0


def test_meeting_close_without_quorum_shows_a_message() -> None:
    d = make_deliberation()
    meeting = _meeting(d, quorum=2)
    client = _client(d.manager)

    response = client.post(_meeting_url(d, meeting, "meeting_close"), follow=True)

    assert "Le quorum n'est pas atteint" in _text(response)
    meeting.refresh_from_db()
    assert meeting.closed_at is None


def test_meeting_attachment_upload_checks_the_content(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.LAUREAT_VIRUS_SCAN_COMMAND = ""
    d = make_deliberation()
    meeting = _meeting(d)
    client = _client(d.manager)
    url = _meeting_url(d, meeting, "meeting_attachment_add")

    bad = client.post(url, {"file": SimpleUploadedFile("pv.pdf", exe_bytes())})
    good = client.post(
        url, {"label": "PV", "file": SimpleUploadedFile("pv.pdf", pdf_bytes())}, follow=True
    )

    assert bad.status_code == 400
    assert "pas d'un type accepté" in _text(bad)
    assert "Le fichier « pv.pdf » est joint à la séance." in _text(good)
    attachment = meeting.attachments.get()
    download = client.get(
        reverse(
            "selection:meeting_attachment",
            kwargs={"slug": d.call.slug, "pk": meeting.pk, "attachment": attachment.pk},
        )
    )
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_meetings_list_has_no_n_plus_one() -> None:
    d = make_deliberation()
    client = _client(d.manager)
    url = reverse("selection:meetings", kwargs={"slug": d.call.slug})
    _meeting(d)
    one = _queries(client, url)
    _meeting(d, d.manager, d.reviewer)
    _meeting(d)

    assert _queries(client, url) == one
    assert CommitteeMeeting.objects.count() == 3


# --- decisions ------------------------------------------------------------------------------


def _loaded(d: Deliberation) -> CommitteeMeeting:
    meeting = _meeting(d)
    selection_compute(call=d.call, by=d.manager)
    client = _client(d.manager)
    client.post(_meeting_url(d, meeting, "meeting_load"), {"waiting_list_size": "1"})
    return meeting


def test_manager_loads_the_proposal_into_pending_decisions() -> None:
    d = make_deliberation()
    meeting = _loaded(d)

    response = _client(d.manager).get(_meeting_url(d, meeting))

    text = _text(response)
    assert Decision.objects.filter(outcome=DecisionOutcome.LAUREATE).count() == 2
    assert "2 lauréate(s), 1 en liste d’attente, 1 non retenue(s)." in text
    assert "350 000,00 €" in text
    assert set(Application.objects.values_list("state", flat=True)) == {"in_review"}


def test_decision_edit_refuses_an_award_above_the_request() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    best = d.applications[0]
    url = reverse(
        "selection:decision_edit",
        kwargs={"slug": d.call.slug, "pk": meeting.pk, "application": best.pk},
    )

    response = _client(d.manager).post(
        url,
        {
            "outcome": "laureate",
            "reason": "",
            f"award_{d.bdt.pk}": "60000",
            f"award_{d.etat.pk}": "125000",
        },
    )

    assert response.status_code == 200
    assert "dépasse la demande" in _text(response)
    assert 'value="60000' in _text(response)


def test_decision_edit_moves_an_application_to_the_waiting_list() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    second = d.applications[1]
    url = reverse(
        "selection:decision_edit",
        kwargs={"slug": d.call.slug, "pk": meeting.pk, "application": second.pk},
    )

    response = _client(d.manager).post(
        url,
        {
            "outcome": "waiting_list",
            "waiting_rank": "1",
            "reason": "Le comité attend des précisions.",
            f"award_{d.bdt.pk}": "50000.00",
            f"award_{d.etat.pk}": "125000.00",
        },
        follow=True,
    )

    decision = Decision.objects.get(application=second)
    assert (decision.outcome, decision.waiting_rank) == (DecisionOutcome.WAITING_LIST, 1)
    assert "La décision sur" in _text(response)
    assert "modifiée" in _text(response)


def test_meeting_table_has_no_n_plus_one() -> None:
    counts = []
    for marks in ((5,), (5, 4, 3)):
        d = make_deliberation(marks=marks, budget="10000000.00")
        meeting = _loaded(d)
        counts.append(_queries(_client(d.manager), _meeting_url(d, meeting)))
        assert Decision.objects.filter(application__call=d.call).count() == len(marks)
    assert counts[0] == counts[1]


def test_publish_asks_for_confirmation_then_publishes() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    client = _client(d.manager)
    url = _meeting_url(d, meeting, "publish")

    confirmation = client.get(url)
    assert set(Application.objects.values_list("state", flat=True)) == {"in_review"}
    response = client.post(url, follow=True)

    assert (
        "2 candidature(s) deviennent lauréates pour 350 000,00 € (budget : 400 000,00 €), "
        "1 passent en liste d’attente et 1 ne sont pas retenues."
    ) in _text(confirmation)
    assert "décisions sont publiées" in _text(response)
    d.call.refresh_from_db()
    assert d.call.state == CallState.RESULTS_PUBLISHED


def test_publish_refusal_is_shown() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    meeting.members.clear()

    response = _client(d.manager).post(_meeting_url(d, meeting, "publish"))

    assert response.status_code == 400
    assert "n'a pas atteint le quorum" in _text(response)
    d.call.refresh_from_db()
    assert d.call.state == CallState.PUBLISHED


def test_proposal_page_has_no_n_plus_one() -> None:
    counts = []
    for marks in ((5,), (5, 4, 3)):
        d = make_deliberation(marks=marks, budget="10000000.00")
        selection_compute(call=d.call, by=d.manager)
        counts.append(_queries(_client(d.manager), _manage(d)))
    assert counts[0] == counts[1]


def test_committee_member_reads_the_policy_in_plain_words() -> None:
    d = make_deliberation()
    _meeting(d, d.manager, d.reviewer)
    _client(d.manager).post(_manage(d), _policy_post(region_cap_percent="20", action="save"))

    text = _text(_client(d.reviewer).get(_manage(d)))

    assert "Part maximale du budget par région" in text
    assert "20 %" in text
    assert "non : chaque lauréat reçoit toute sa demande" in text


def test_manager_recomputes_with_the_committee_choices_then_reloads() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    _best, second, third, _fourth = d.applications
    client = _client(d.manager)
    client.post(
        reverse(
            "selection:decision_edit",
            kwargs={"slug": d.call.slug, "pk": meeting.pk, "application": third.pk},
        ),
        {"outcome": "laureate", "reason": "Projet structurant pour le territoire."},
    )
    client.post(
        reverse(
            "selection:decision_edit",
            kwargs={"slug": d.call.slug, "pk": meeting.pk, "application": second.pk},
        ),
        {"outcome": "rejected", "reason": "Plan de financement fragile."},
    )

    recomputed = client.post(_meeting_url(d, meeting, "meeting_recompute"), follow=True)
    client.post(_meeting_url(d, meeting, "meeting_load"), {"waiting_list_size": "2"})

    assert "Nouvelle proposition calculée avec les choix du comité : 2 lauréats" in _text(
        recomputed
    )
    laureates = set(
        Decision.objects.filter(outcome=DecisionOutcome.LAUREATE).values_list(
            "application_id", flat=True
        )
    )
    assert laureates == {d.applications[0].pk, third.pk}
    assert Decision.objects.get(application=second).outcome != DecisionOutcome.LAUREATE


def test_admin_lists_meetings_and_decisions(admin_client: Client) -> None:
    d = make_deliberation()
    meeting = _loaded(d)

    meetings = admin_client.get(reverse("admin:selection_committeemeeting_changelist"))
    decisions = admin_client.get(reverse("admin:selection_decision_changelist"))
    detail = admin_client.get(reverse("admin:selection_committeemeeting_change", args=[meeting.pk]))

    assert (meetings.status_code, decisions.status_code, detail.status_code) == (200, 200, 200)
    assert d.applications[0].reference in _text(decisions)


def _quick(d: Deliberation, meeting: CommitteeMeeting, application: Application) -> str:
    return reverse(
        "selection:decision_quick",
        kwargs={"slug": d.call.slug, "pk": meeting.pk, "application": application.pk},
    )


def test_row_select_moves_a_laureate_to_the_waiting_list() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    second = d.applications[1]

    response = _client(d.manager).post(
        _quick(d, meeting, second), {"outcome": "waiting_list"}, follow=True
    )

    decision = Decision.objects.get(application=second)
    assert (decision.outcome, decision.waiting_rank) == (DecisionOutcome.WAITING_LIST, 2)
    assert decision.awards.count() == 0
    assert f"La décision sur {second.reference} est enregistrée." in _text(response)


def test_row_select_asks_for_reasons_before_a_rejection() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    best = d.applications[0]

    response = _client(d.manager).post(
        _quick(d, meeting, best), {"outcome": "rejected"}, follow=True
    )

    assert f"Indiquez les motifs pour ne pas retenir {best.reference}." in _text(response)
    assert '<option value="rejected" selected>' in response.content.decode()
    assert Decision.objects.get(application=best).outcome == DecisionOutcome.LAUREATE


def test_row_select_refuses_a_laureate_over_budget() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    third = d.applications[2]

    response = _client(d.manager).post(
        _quick(d, meeting, third), {"outcome": "laureate"}, follow=True
    )

    assert "Le budget de l'appel serait dépassé" in _text(response)
    assert Decision.objects.get(application=third).outcome == DecisionOutcome.WAITING_LIST


def test_decision_edit_refuses_bad_input() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    best = d.applications[0]
    url = reverse(
        "selection:decision_edit",
        kwargs={"slug": d.call.slug, "pk": meeting.pk, "application": best.pk},
    )

    response = _client(d.manager).post(
        url, {"outcome": "promoted", "waiting_rank": "0", f"award_{d.bdt.pk}": "beaucoup"}
    )

    text = _text(response)
    assert "Sélectionnez un choix valide" in text
    assert "supérieure ou égale à 1" in text
    assert "Saisissez un nombre." in text
    assert Decision.objects.get(application=best).outcome == DecisionOutcome.LAUREATE


def test_row_select_refuses_an_unknown_outcome() -> None:
    d = make_deliberation()
    meeting = _loaded(d)
    best = d.applications[0]

    response = _client(d.manager).post(_quick(d, meeting, best), {"outcome": "x"}, follow=True)

    assert "Choisissez une décision dans la liste." in _text(response)
