"""The frozen content of an application at submission, and its SHA-256.

The snapshot is plain JSON (strings, numbers written as strings, lists, dicts);
its canonical form (sorted keys, no spaces, UTF-8) is what is hashed, so the
same content always gives the same digest.
"""

import hashlib
import json
from typing import Any

from laureat.applications.models import Application
from laureat.documents.queries import attachment_digests

SNAPSHOT_FORMAT = 1


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def snapshot_sha256(data: Any) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def application_snapshot(application: Application) -> dict[str, Any]:
    """Everything the applicant submitted, as plain JSON."""
    a = Application.objects.select_related(
        "call", "organisation", "commune__department__region"
    ).get(pk=application.pk)
    commune = a.commune
    return {
        "format": SNAPSHOT_FORMAT,
        "reference": a.reference,
        "call": {"slug": a.call.slug, "title": a.call.title},
        "organisation": {"name": a.organisation.name, "siret": a.organisation.siret},
        "title": a.title,
        "acronym": a.acronym,
        "summary": a.summary,
        "description": a.description,
        "commune": None
        if commune is None
        else {
            "code": commune.code,
            "name": commune.name,
            "department": commune.department.code,
            "region": commune.department.region.code,
        },
        "learners_targeted": a.learners_targeted,
        "start_date": a.start_date.isoformat() if a.start_date else None,
        "themes": sorted(a.themes.values_list("slug", flat=True)),
        "technologies": sorted(a.technologies.values_list("slug", flat=True)),
        "answers": [
            {
                "question": answer.question.label,
                "kind": answer.question.kind,
                "value": answer.value,
            }
            for answer in a.answers.select_related("question").order_by(
                "question__position", "question_id"
            )
        ],
        "expenses": [
            {"category": b.category, "label": b.label, "amount": str(b.amount)}
            for b in a.budget_lines.order_by("category", "id")
        ],
        "resources": [
            {
                "kind": r.kind,
                "funder": r.funder.slug if r.funder else None,
                "label": r.label,
                "amount": str(r.amount),
            }
            for r in a.resource_lines.select_related("funder").order_by("kind", "id")
        ],
        "attachments": attachment_digests(a),
    }
