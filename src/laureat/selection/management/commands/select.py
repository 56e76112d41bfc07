import json as jsonlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laureat.core.errors import DomainError
from laureat.programmes.models import Call
from laureat.selection.domain import selection_build, selection_save


class Command(BaseCommand):
    help = (
        "Propose the laureates of a call: the set that maximises the call's objective under "
        "the budget, each co-funder's envelope and the territorial constraints."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("call_slug", help="the call's identifier (slug)")
        parser.add_argument("--dry-run", action="store_true", help="solve without saving")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, call_slug: str, dry_run: bool, json: bool, **opts: Any) -> None:
        call = Call.objects.filter(slug=call_slug).first()
        if call is None:
            raise CommandError(f"No call with the identifier « {call_slug} ».")
        try:
            with _native_stdout_to_stderr():
                run = selection_build(call=call)
        except DomainError as error:
            raise CommandError(str(error)) from error
        if not dry_run:
            selection_save(run=run, by=None)
        data = run.as_json()
        if json:
            self.stdout.write(jsonlib.dumps(data, ensure_ascii=False, indent=2))
            return
        regions = len(data["per_region"])
        self.stdout.write(
            f"{call.title}: {len(data['selected'])} laureates out of "
            f"{len(run.problem.ids)} applications in {regions} regions; awarded "
            f"{data['awarded_total']:,.2f} of {data['budget']:,.2f}; gap {data['gap']:.1e}; "
            f"ranking cut-off: {len(data['baseline']['selected'])} laureates"
            + (" (dry run: nothing saved)" if dry_run else "")
        )


@contextmanager
def _native_stdout_to_stderr() -> Iterator[None]:
    """HiGHS prints a banner from C++ straight to file descriptor 1; send it to stderr so
    that ``--json`` output stays parseable."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
