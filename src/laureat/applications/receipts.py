"""The receipt of a submission: as a PDF (fpdf2) and by email.

fpdf2's core fonts cover Latin-1: French accents render, but "€", "’" or "œ"
do not, so the text is brought to Latin-1 first (amounts in "EUR").
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from laureat.applications.models import Submission

_LATIN1 = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "€": "EUR",
        "œ": "oe",
        "Œ": "OE",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u202f": " ",
        "\u00a0": " ",
    }
)


# After a multi-line cell, go back to the left margin on the next line.
_NEXT: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def latin1(text: str) -> str:
    """``text`` with what Latin-1 lacks replaced by its nearest Latin-1 spelling."""
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def _eur(amount: str) -> str:
    return f"{number_format(Decimal(amount), decimal_pos=2, force_grouping=True)} EUR"


def receipt_pdf(submission: Submission) -> bytes:
    """The receipt as a one-page PDF."""
    snapshot = submission.snapshot
    at = timezone.localtime(submission.submitted_at)
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(_("Récépissé de dépôt %s") % submission.receipt_number))
    pdf.set_creator("Laureat")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, latin1(_("Récépissé de dépôt de candidature")), **_NEXT)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 11)
    rows = [
        (_("Numéro de récépissé"), submission.receipt_number),
        (_("Déposée le"), at.strftime("%d/%m/%Y à %H:%M:%S") + " " + _("(heure de Paris)")),
        (_("Appel"), snapshot["call"]["title"]),
        (
            _("Organisation"),
            f"{snapshot['organisation']['name']} (SIRET {snapshot['organisation']['siret']})",
        ),
        (_("Référence"), snapshot["reference"]),
        (_("Projet"), snapshot["title"]),
        (_("Déposée par"), submission.by.email),
    ]
    expenses = sum((Decimal(e["amount"]) for e in snapshot["expenses"]), Decimal("0"))
    rows.append((_("Total des dépenses"), _eur(str(expenses))))
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(55, 7, latin1(label))
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 7, latin1(str(value)), **_NEXT)
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 7, latin1(_("Empreinte SHA-256 du contenu déposé")), **_NEXT)
    pdf.set_font("Courier", "", 10)
    pdf.multi_cell(0, 6, submission.snapshot_sha256, **_NEXT)
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        latin1(
            _(
                "Cette empreinte est calculée sur le contenu figé de la candidature au moment "
                "du dépôt (réponses, budget, pièces jointes). Toute modification ultérieure "
                "donnerait une empreinte différente."
            )
        ),
        **_NEXT,
    )
    return bytes(pdf.output())


def receipt_filename(submission: Submission) -> str:
    return f"recepisse-{submission.receipt_number}.pdf"


def receipt_send(*, submission: Submission) -> None:
    """Email the receipt, with its PDF, to the person who submitted."""
    at = timezone.localtime(submission.submitted_at)
    snapshot = submission.snapshot
    body = _(
        "Bonjour,\n\n"
        "Votre candidature « %(title)s » à l'appel « %(call)s » a bien été déposée "
        "le %(day)s à %(time)s (heure de Paris).\n\n"
        "Numéro de récépissé : %(number)s\n"
        "Empreinte SHA-256 du contenu déposé : %(sha)s\n\n"
        "Le récépissé est joint à ce message au format PDF.\n\n"
        "— Laureat"
    ) % {
        "title": snapshot["title"],
        "call": snapshot["call"]["title"],
        "day": at.strftime("%d/%m/%Y"),
        "time": at.strftime("%H:%M"),
        "number": submission.receipt_number,
        "sha": submission.snapshot_sha256,
    }
    message = EmailMessage(
        subject=_("Récépissé de dépôt %s") % submission.receipt_number,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[submission.by.email],
    )
    message.attach(receipt_filename(submission), receipt_pdf(submission), "application/pdf")
    message.send()
