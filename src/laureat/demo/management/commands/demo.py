from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from laureat.demo.builder import DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = (
        "Load the demonstration programme « Territoires d'industrie » (idempotent): its calls, "
        "co-funders, accounts for every role and the 59 applications of the TI 4.0 call."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2022, help="seed of the generated data (default 2022)"
        )

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        result = build_demo(seed=seed)
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded (seed {seed}): {result.applications} submitted applications "
                    f"from {result.regions} regions."
                )
            )
        else:
            self.stdout.write(
                f"Demo already loaded ({result.applications} submitted applications); "
                "nothing changed."
            )
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        width = max(len(a.email) for a in result.accounts)
        for account in result.accounts:
            self.stdout.write(f"  {account.email.ljust(width)}  {account.role}")
