import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laureat.core.errors import DomainError
from laureat.core.money import format_eur
from laureat.demo.builder import DEMO_PASSWORD, DemoResult, build_demo
from laureat.demo.selection import DemoStage, SelectionSummary


class Command(BaseCommand):
    help = (
        "Load the demonstration programme « Territoires d'industrie » (idempotent): its calls, "
        "co-funders, accounts for every role and the 59 applications of the TI 4.0 call, up to "
        "a stage of their lifecycle: submitted, reviewed, selected (the optimiser's proposal) "
        "or published (the committee's decisions)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2022, help="seed of the generated data (default 2022)"
        )
        parser.add_argument(
            "--stage",
            choices=[s.value for s in DemoStage],
            default=DemoStage.PUBLISHED.value,
            help=(
                "how far to go: submitted (applications only), reviewed (reviews in), "
                "selected (the optimiser's proposal, no decision) or published (default)"
            ),
        )

    def handle(self, *args: Any, seed: int, stage: str, **options: Any) -> None:
        try:
            with _native_stdout_to_stderr():
                result = build_demo(seed=seed, stage=DemoStage(stage))
        except DomainError as error:
            raise CommandError(str(error)) from error
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded (seed {seed}, stage {result.stage}): {result.applications} "
                    f"submitted applications from {result.regions} regions."
                )
            )
        elif result.advanced:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo already loaded ({result.applications} submitted applications); "
                    f"taken on to stage {result.stage}."
                )
            )
        else:
            self.stdout.write(
                f"Demo already loaded ({result.applications} submitted applications, stage "
                f"{result.stage}); nothing changed."
            )
            if DemoStage(stage).order > result.stage.order:
                self.stdout.write(
                    f"  Stage {stage} cannot be reached from {result.stage}: empty the database "
                    "(laureat flush) and load the demo again."
                )
        if result.selection is not None:
            self._selection(result, result.selection)
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        width = max(len(a.email) for a in result.accounts)
        for account in result.accounts:
            self.stdout.write(f"  {account.email.ljust(width)}  {account.role}")

    def _selection(self, result: DemoResult, summary: SelectionSummary) -> None:
        head = "Results published" if summary.published else "Proposal of the optimiser"
        self.stdout.write(
            f"\n{head}: {summary.laureates} laureates out of {summary.candidates} applications, "
            f"in {summary.metropolitan_regions} metropolitan and {summary.overseas_regions} "
            f"overseas regions; awarded {format_eur(summary.awarded)} of "
            f"{format_eur(summary.budget)}."
        )
        for name, (awarded, envelope) in summary.per_funder.items():
            self.stdout.write(f"  {name}: {format_eur(awarded)} of {format_eur(envelope)}")
        if summary.waiting_list:
            self.stdout.write(f"  Waiting list: {summary.waiting_list} applications.")
        if summary.cutoff_laureates:
            self.stdout.write(
                f"  The ranking cut-off (best scores first, until the money runs out) would "
                f"have made {summary.cutoff_laureates} laureates."
            )
        if summary.first_left_out is not None:
            rank, score, needed = summary.first_left_out
            margin = (
                f"it would have needed {needed:.2f}/20"
                if needed is not None
                else "no score would have got it in"
            )
            self.stdout.write(
                f"  First application left out: rank {rank}, score {score:.2f}/20; {margin}."
            )


@contextmanager
def _native_stdout_to_stderr() -> Iterator[None]:
    """HiGHS prints a banner from C++ straight to file descriptor 1: send it to stderr so
    that the summary stays readable."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
