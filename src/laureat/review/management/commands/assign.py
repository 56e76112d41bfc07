import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laureat.core.errors import DomainError
from laureat.programmes.models import Call
from laureat.review.domain import assignment_build, assignment_save


class Command(BaseCommand):
    help = (
        "Assign reviewers to the submitted applications of a call: k reviewers each, loads "
        "within limits, conflicts of interest excluded, maximum total affinity."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("call_slug", help="the call's identifier (slug)")
        parser.add_argument("--dry-run", action="store_true", help="solve without saving")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, call_slug: str, dry_run: bool, json: bool, **options: Any) -> None:
        call = Call.objects.filter(slug=call_slug).first()
        if call is None:
            raise CommandError(f"No call with the identifier « {call_slug} ».")
        try:
            run = assignment_build(call=call)
            if not dry_run:
                assignment_save(run=run, by=None)
        except DomainError as error:
            raise CommandError(str(error)) from error
        if json:
            self.stdout.write(_dumps(run.as_json()))
            return
        data = run.as_json()
        self.stdout.write(
            f"{call.title}: {len(data['applications'])} applications, "
            f"{len(data['reviewers'])} reviewers, k = {run.k}, "
            f"objective {data['objective']}, solved in {data['seconds']} s"
            + ("" if not dry_run else " (dry run: nothing saved)")
        )
        for item in data["shortfall"]:
            self.stdout.write(
                self.style.WARNING(f"  application {item['application']}: {item['message']}")
            )


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
