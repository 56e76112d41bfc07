"""Attachments: checked by content, size-limited, virus-scanned, frozen once submitted."""

import hashlib
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from laureat.accounts.models import User
from laureat.applications.enums import ApplicationState
from laureat.applications.models import Application
from laureat.core.errors import DomainError
from laureat.core.models import AuditLog
from laureat.documents.domain import attachment_add, attachment_delete, sanitise_filename
from laureat.documents.models import Attachment
from laureat.documents.queries import attachment_digests
from tests.documents import samples
from tests.documents.conftest import upload

pytestmark = pytest.mark.django_db


def _stored_files(media_root: Path) -> list[Path]:
    folder = media_root / "attachments"
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


def test_attachment_add_stores_the_file_under_a_random_name(
    draft: Application, user: User, media_root: Path
) -> None:
    data = samples.pdf_bytes()
    attachment = attachment_add(
        application=draft, by=user, upload=upload("Lettre de soutien.pdf", data), label="Soutien"
    )
    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.pdf", attachment.file.name)
    assert (media_root / attachment.file.name).read_bytes() == data
    assert (attachment.original_name, attachment.label) == ("Lettre de soutien.pdf", "Soutien")
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    entry = AuditLog.objects.for_object(draft).get(action="attachment.add")
    assert entry.data["sha256"] == attachment.sha256
    assert entry.actor == user


def test_attachment_add_keeps_the_detected_type_of_a_pdf_named_docx(
    draft: Application, user: User
) -> None:
    attachment = attachment_add(
        application=draft, by=user, upload=upload("budget.docx", samples.pdf_bytes())
    )
    assert attachment.content_type == "application/pdf"
    assert attachment.file.name.endswith(".pdf")
    assert attachment.download_name == "budget.docx.pdf"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("programme.pdf", samples.exe_bytes()),
        ("archive.pdf", samples.plain_zip_bytes()),
        ("page.pdf", samples.html_bytes()),
        ("notes.pdf", b"Du texte, simplement.\n"),
    ],
    ids=["exe", "zip", "html", "text"],
)
def test_attachment_add_refuses_content_of_another_type_whatever_its_name(
    draft: Application, user: User, media_root: Path, name: str, data: bytes
) -> None:
    with pytest.raises(DomainError) as refused:
        attachment_add(application=draft, by=user, upload=upload(name, data))
    assert str(refused.value) == (
        f"Le fichier « {name} » n'est pas d'un type accepté (formats acceptés : "
        "PDF, ODT, ODS, DOCX, XLSX, PNG, JPEG, GIF, WebP). Son contenu compte, pas son extension."
    )
    assert Attachment.objects.count() == 0
    assert _stored_files(media_root) == []


def test_attachment_add_refuses_a_file_over_the_limit_naming_it(
    draft: Application, user: User, settings: Any, media_root: Path
) -> None:
    settings.LAUREAT_UPLOAD_MAX_BYTES = 1024 * 1024
    too_big = samples.pdf_bytes(extra=b"x" * (1024 * 1024))
    with pytest.raises(DomainError) as refused:
        attachment_add(application=draft, by=user, upload=upload("gros.pdf", too_big))
    assert str(refused.value) == (
        "Le fichier « gros.pdf » dépasse la taille maximale autorisée (1 Mo)."
    )
    assert Attachment.objects.count() == 0
    assert _stored_files(media_root) == []


def test_attachment_add_default_limit_is_20_mb(settings: Any) -> None:
    assert settings.LAUREAT_UPLOAD_MAX_BYTES == 20 * 1024 * 1024


def test_attachment_add_refuses_a_submitted_application(submitted: Application, user: User) -> None:
    with pytest.raises(DomainError) as refused:
        attachment_add(application=submitted, by=user, upload=upload("a.pdf", samples.pdf_bytes()))
    assert str(refused.value) == (
        "La candidature est « Déposée » : ses pièces jointes ne peuvent plus être modifiées."
    )


def test_attachment_add_refuses_a_person_outside_the_organisation(
    draft: Application, other_applicant: User
) -> None:
    with pytest.raises(DomainError):
        attachment_add(
            application=draft, by=other_applicant, upload=upload("a.pdf", samples.pdf_bytes())
        )
    assert Attachment.objects.count() == 0


# --- the virus-scanner hook: a real executable, no mock ------------------------


def _scanner(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-clamdscan"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"{script} --no-summary"


EICAR_SCANNER = (
    # Like clamdscan: exit 1 when the test signature is found, 0 when clean.
    'for f in "$@"; do :; done\n'
    "if grep -q 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' \"$f\"; then\n"
    '  echo "$f: Eicar-Test-Signature FOUND"; exit 1\nfi\n'
    'echo "$f: OK"; exit 0\n'
)


def test_virus_scanner_flags_eicar_and_the_file_is_refused(
    draft: Application, user: User, settings: Any, tmp_path: Path, media_root: Path
) -> None:
    settings.LAUREAT_VIRUS_SCAN_COMMAND = _scanner(tmp_path, EICAR_SCANNER)
    infected = samples.pdf_bytes(extra=samples.EICAR)
    with pytest.raises(DomainError) as refused:
        attachment_add(application=draft, by=user, upload=upload("devis.pdf", infected))
    assert str(refused.value) == (
        "Le fichier « devis.pdf » a été signalé par l'antivirus et n'a pas été enregistré."
    )
    assert refused.value.code == "infected"
    assert Attachment.objects.count() == 0
    assert _stored_files(media_root) == []


def test_virus_scanner_lets_a_clean_file_through(
    draft: Application, user: User, settings: Any, tmp_path: Path
) -> None:
    settings.LAUREAT_VIRUS_SCAN_COMMAND = _scanner(tmp_path, EICAR_SCANNER)
    attachment = attachment_add(
        application=draft, by=user, upload=upload("devis.pdf", samples.pdf_bytes())
    )
    assert attachment.pk is not None


@pytest.mark.parametrize(
    "body", ["exit 2\n", "sleep 0\nexit 137\n"], ids=["scanner-error", "killed"]
)
def test_virus_scanner_failure_refuses_the_file(
    draft: Application, user: User, settings: Any, tmp_path: Path, body: str
) -> None:
    settings.LAUREAT_VIRUS_SCAN_COMMAND = _scanner(tmp_path, body)
    with pytest.raises(DomainError) as refused:
        attachment_add(application=draft, by=user, upload=upload("a.pdf", samples.pdf_bytes()))
    assert str(refused.value) == (
        "L'analyse antivirus du fichier « a.pdf » a échoué : réessayez dans un instant."
    )
    assert Attachment.objects.count() == 0


def test_virus_scanner_missing_command_refuses_the_file(
    draft: Application, user: User, settings: Any, tmp_path: Path
) -> None:
    settings.LAUREAT_VIRUS_SCAN_COMMAND = str(tmp_path / "no-such-scanner")
    with pytest.raises(DomainError) as refused:
        attachment_add(application=draft, by=user, upload=upload("a.pdf", samples.pdf_bytes()))
    assert refused.value.code == "scan_failed"


# --- removal and digests ---------------------------------------------------------


def test_attachment_delete_hides_it_from_the_digests(draft: Application, user: User) -> None:
    kept = attachment_add(application=draft, by=user, upload=upload("b.pdf", samples.pdf_bytes()))
    removed = attachment_add(
        application=draft, by=user, upload=upload("a.png", samples.png_bytes())
    )
    attachment_delete(attachment=removed, by=user)
    removed.refresh_from_db()
    assert removed.deleted_at is not None
    assert [d["name"] for d in attachment_digests(draft)] == [kept.original_name]
    assert AuditLog.objects.for_object(draft).filter(action="attachment.delete").count() == 1


def test_attachment_delete_refused_once_submitted(draft: Application, user: User) -> None:
    attachment = attachment_add(
        application=draft, by=user, upload=upload("a.pdf", samples.pdf_bytes())
    )
    Application.objects.filter(pk=draft.pk).update(
        state=ApplicationState.SUBMITTED, submitted_at=draft.created_at
    )
    attachment.refresh_from_db()
    with pytest.raises(DomainError):
        attachment_delete(attachment=attachment, by=user)


def test_attachment_digests_are_complete_and_sorted(draft: Application, user: User) -> None:
    pdf, png = samples.pdf_bytes(), samples.png_bytes()
    attachment_add(application=draft, by=user, upload=upload("z-plan.png", png), label="Plan")
    attachment_add(application=draft, by=user, upload=upload("a-devis.pdf", pdf))
    assert attachment_digests(draft) == [
        {
            "name": "a-devis.pdf",
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "size": len(pdf),
            "content_type": "application/pdf",
            "label": "",
        },
        {
            "name": "z-plan.png",
            "sha256": hashlib.sha256(png).hexdigest(),
            "size": len(png),
            "content_type": "image/png",
            "label": "Plan",
        },
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ('../../etc/passwd "x".pdf', 'passwd "x".pdf'),
        ("C:\\Users\\moi\\Budget prévisionnel.xlsx", "Budget prévisionnel.xlsx"),
        ("rapport\x00\r\n.pdf", "rapport.pdf"),
        ("..", "document"),
        ("", "document"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_sanitise_filename_keeps_only_a_plain_name(given: str, expected: str) -> None:
    assert sanitise_filename(given) == expected
