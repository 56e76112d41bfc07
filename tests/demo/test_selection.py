"""The demo's selection: TI 4.0's "41 laureates of 59, in 12 metropolitan and 2 overseas
regions, for 10 M€" comes out of the optimiser, and the demo stops at the stage asked."""

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from pytest_django import DjangoDbBlocker

from laureat.applications.enums import ApplicationState, ResourceKind
from laureat.applications.models import Application, ResourceLine
from laureat.demo import facts
from laureat.demo.builder import build_demo
from laureat.demo.selection import DemoStage, demo_stage, selection_summary
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call
from laureat.review.models import Review
from laureat.selection.domain import selection_build, selection_settings_for
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision, DecisionAward, SelectionRun
from laureat.selection.optimiser import solve_selection
from laureat.territories.models import Region

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[SimpleNamespace]:
    """The demo built once for the class, to the selected stage, solved again from the
    database (the optimiser's own answer), then published; rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo(seed=2022, stage=DemoStage.SELECTED)
        call = Call.objects.get(slug=facts.TI40_SLUG)
        fresh = selection_build(call=call)
        build_demo(seed=2022, stage=DemoStage.PUBLISHED)
        yield SimpleNamespace(
            call=Call.objects.get(pk=call.pk),
            run=SelectionRun.objects.get(call=call),
            fresh=fresh,
        )
        transaction.set_rollback(True)


def _region(application: Application) -> Region:
    assert application.commune is not None
    return application.commune.department.region


def _laureates(call: Call) -> list[Application]:
    return list(
        Application.objects.filter(call=call, state=ApplicationState.LAUREATE)
        .select_related("commune__department__region")
        .order_by("pk")
    )


class TestPublishedDemo:
    """Built once (20-40 s): stage published, seed 2022."""

    def test_demo_publishes_41_laureates_of_59_in_12_metropolitan_and_2_overseas_regions(
        self, demo: SimpleNamespace
    ) -> None:
        laureates = _laureates(demo.call)
        regions = {_region(a) for a in laureates}

        assert len(laureates) == 41
        assert demo.call.applications.exclude(submitted_at=None).count() == 59
        assert len([r for r in regions if not r.overseas]) == 12
        assert sorted(r.name for r in regions if r.overseas) == ["La Réunion", "Martinique"]
        assert demo.call.state == CallState.RESULTS_PUBLISHED
        assert demo_stage(demo.call) == DemoStage.PUBLISHED

    def test_demo_awards_stay_within_the_budget_and_each_envelope(
        self, demo: SimpleNamespace
    ) -> None:
        awards = DecisionAward.objects.filter(decision__application__call=demo.call)
        per_funder = {
            row["funder__slug"]: row["total"]
            for row in awards.values("funder__slug").annotate(total=Sum("amount")).order_by()
        }
        envelopes = {slug: amount for slug, (amount, _c) in facts.TI40.envelopes.items()}

        assert sum(per_funder.values()) <= Decimal("10000000.00")
        assert set(per_funder) == set(envelopes)
        assert all(per_funder[slug] <= envelopes[slug] for slug in envelopes)
        assert sum(per_funder.values()) == Decimal(str(demo.run.result["awarded_total"]))

    def test_demo_laureates_receive_what_they_asked_each_cofunder(
        self, demo: SimpleNamespace
    ) -> None:
        asked = {
            (row["application_id"], row["funder_id"]): row["total"]
            for row in ResourceLine.objects.filter(
                application__call=demo.call, application__state=ApplicationState.LAUREATE,
                kind=ResourceKind.FUNDER,
            )
            .values("application_id", "funder_id")
            .annotate(total=Sum("amount"))
            .order_by()
        }  # fmt: skip
        granted = {
            (a.decision.application_id, a.funder_id): a.amount
            for a in DecisionAward.objects.filter(
                decision__application__call=demo.call
            ).select_related("decision")
        }
        assert granted == asked

    def test_demo_laureates_are_the_optimisers_choice(self, demo: SimpleNamespace) -> None:
        published = {a.pk for a in _laureates(demo.call)}

        assert sorted(published) == sorted(demo.run.result["selected"])
        assert sorted(published) == sorted(demo.fresh.as_json()["selected"])
        assert demo.run.result["gap"] <= 1e-4

    def test_demo_policy_is_the_documented_one(self, demo: SimpleNamespace) -> None:
        policy = selection_settings_for(demo.call)
        written = {name: getattr(policy, name) for name in facts.SelectionPolicy._fields}

        assert written == facts.TI40_SELECTION_POLICY._asdict()
        assert demo.run.result["objective_kind"] == "total_score"
        assert demo.run.result["score_scale"] == "normalised"

    def test_demo_figure_is_not_a_knife_edge(self, demo: SimpleNamespace) -> None:
        """41 holds when the money moves by 1 %, and the first application left out would
        have needed more than a point more than it got."""
        problem = demo.fresh.problem
        counts = {
            budget: len(
                solve_selection(
                    dataclasses.replace(problem, budget=budget), needed_scores=0
                ).selected_ids
            )
            for budget in (9_900_000.0, 10_100_000.0)
        }
        left_out = [
            e
            for e in demo.run.result["explanations"].values()
            if e["code"] in ("budget", "region_cap")
        ]
        first = min(left_out, key=lambda e: e["rank"])

        assert counts == {9_900_000.0: 41, 10_100_000.0: 41}
        assert first["needed_score"] - first["score"] > 1.0
        assert demo.run.result["baseline"]["selected"] != demo.run.result["selected"]

    def test_demo_the_article_projects_and_both_overseas_files_are_laureates(
        self, demo: SimpleNamespace
    ) -> None:
        laureates = _laureates(demo.call)
        real = {a.title for a in laureates if not a.is_fictional}
        overseas = [a for a in laureates if _region(a).overseas]

        assert len(real) == 3
        assert "Big Data Chalon" in real
        assert len(overseas) == 2
        # The regional floor brings them in: the ranking cut-off alone would not.
        cutoff = set(demo.run.result["baseline"]["selected"])
        assert {a.pk for a in overseas}.isdisjoint(cutoff)

    def test_demo_committee_met_with_quorum_before_the_announcement(
        self, demo: SimpleNamespace
    ) -> None:
        meeting = demo.call.committee_meetings.get()
        members = sorted(meeting.members.values_list("email", flat=True))

        assert meeting.held_on == datetime(2022, 6, 30, 14, 0, tzinfo=PARIS)
        assert meeting.held_on.date() < demo.call.results_at == date(2022, 7, 8)
        assert members == [
            "evaluateur1@laureat.example",
            "evaluateur2@laureat.example",
            "evaluateur3@laureat.example",
            "evaluateur4@laureat.example",
            "gestionnaire@laureat.example",
        ]
        assert meeting.quorum == 4
        assert meeting.closed_at is not None
        assert meeting.run == demo.run
        assert (
            "41 lauréats sur 59 candidatures, dans 12 régions métropolitaines et 2 d'outre-mer"
            in (meeting.minutes)
        )

    def test_demo_decisions_are_published_with_waiting_list_and_reasons(
        self, demo: SimpleNamespace
    ) -> None:
        decisions = Decision.objects.filter(application__call=demo.call)
        waiting = list(
            decisions.filter(outcome=DecisionOutcome.WAITING_LIST).order_by("waiting_rank")
        )
        rejected = decisions.filter(outcome=DecisionOutcome.REJECTED)

        assert decisions.count() == 59
        assert set(decisions.values_list("published_at", flat=True)) == {
            datetime(2022, 7, 8, 10, 0, tzinfo=PARIS)
        }
        assert [d.waiting_rank for d in waiting] == [1, 2, 3, 4, 5]
        assert [d.application.state for d in waiting] == [ApplicationState.WAITING_LIST] * 5
        assert rejected.count() == 59 - 41 - 5
        assert all(d.reason for d in rejected)

    def test_demo_command_prints_the_published_figures(self, demo: SimpleNamespace) -> None:
        out = StringIO()
        call_command("demo", stdout=out)
        text = out.getvalue()

        assert "already loaded" in text
        assert "stage published); nothing changed" in text
        assert (
            "Results published: 41 laureates out of 59 applications, in 12 metropolitan and "
            "2 overseas regions" in text
        )
        assert "Waiting list: 5 applications." in text

    def test_demo_summary_counts_regions_from_the_published_decisions(
        self, demo: SimpleNamespace
    ) -> None:
        summary = selection_summary(demo.call)

        assert summary is not None
        assert (summary.published, summary.laureates, summary.candidates) == (True, 41, 59)
        assert (summary.metropolitan_regions, summary.overseas_regions) == (12, 2)
        assert summary.awarded == Decimal(str(demo.run.result["awarded_total"]))


# --- stages (each builds its own demo) ----------------------------------------------


def test_demo_stage_submitted_stops_before_the_review() -> None:
    out = StringIO()
    call_command("demo", "--stage", "submitted", stdout=out)
    call = Call.objects.get(slug=facts.TI40_SLUG)

    assert "Demo loaded (seed 2022, stage submitted): 59 submitted applications" in out.getvalue()
    assert not Review.objects.filter(assignment__application__call=call).exists()
    assert not SelectionRun.objects.exists()
    assert set(call.applications.values_list("state", flat=True)) == {ApplicationState.SUBMITTED}
    assert selection_summary(call) is None

    again = StringIO()
    call_command("demo", "--stage", "selected", stdout=again)
    assert "Stage selected cannot be reached from submitted" in again.getvalue()
    assert not SelectionRun.objects.exists()


def test_demo_stage_reviewed_then_selected_keeps_a_proposal_without_decisions() -> None:
    result = build_demo(seed=2022, stage=DemoStage.REVIEWED)
    call = Call.objects.get(slug=facts.TI40_SLUG)

    assert result.stage == DemoStage.REVIEWED
    assert result.selection is None
    assert Review.objects.filter(assignment__application__call=call).count() == 177
    assert not SelectionRun.objects.exists()

    out = StringIO()
    call_command("demo", "--stage", "selected", stdout=out)

    assert "taken on to stage selected" in out.getvalue()
    assert "Proposal of the optimiser: 41 laureates out of 59 applications" in out.getvalue()
    assert SelectionRun.objects.filter(call=call).count() == 1
    assert not Decision.objects.exists()
    assert Call.objects.get(pk=call.pk).state != CallState.RESULTS_PUBLISHED
