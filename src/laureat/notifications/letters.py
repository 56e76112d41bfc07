"""Decision letters as PDF (fpdf2), laid out like the submission receipt.

The letter is written in French whatever the interface language of the manager
who prepares it. fpdf2's core fonts cover Latin-1 only (WinAnsi): text goes through ``latin1``
("€" becomes "EUR"), which keeps the French quotes « » that WinAnsi has.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from laureat.applications.receipts import latin1 as receipt_latin1
from laureat.core.money import format_eur, money_sum
from laureat.notifications.models import NotificationSettings
from laureat.notifications.queries import ScoreSummary, call_score_summaries
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision

PARIS = ZoneInfo("Europe/Paris")
_NEXT: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
_UNSET: Any = object()


def latin1(text: str) -> str:
    """``receipts.latin1``, but keeping « and », which the core fonts render."""
    kept = text.replace("«", "\x01").replace("»", "\x02")
    return receipt_latin1(kept).replace("\x01", "«").replace("\x02", "»")


def paris_date(moment: datetime) -> str:
    """``25 novembre 2026``: the day in Paris, in words."""
    return formats.date_format(moment.astimezone(PARIS), "j F Y")


def _score(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2)


def letter_filename(decision: Decision) -> str:
    return f"decision-{decision.application.reference}.pdf"


class _Letter:
    def __init__(self, *, title: str, compress: bool) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.compress = compress
        self.pdf.set_title(latin1(title))
        self.pdf.set_creator("Laureat")
        self.pdf.set_margins(20, 20, 20)
        self.pdf.add_page()

    def text(self, text: str, *, size: int = 11, style: str = "", height: float = 6) -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.multi_cell(0, height, latin1(text), **_NEXT)

    def paragraph(self, text: str) -> None:
        self.text(text)
        self.pdf.ln(3)

    def heading(self, text: str) -> None:
        self.pdf.ln(2)
        self.text(text, size=12, style="B", height=7)
        self.pdf.ln(1)

    def table(self, rows: list[tuple[str, str]], *, bold_last: bool = False) -> None:
        """Two columns, labels (wrapped when long) and values on the right."""
        self.pdf.set_font("Helvetica", "", 11)
        with self.pdf.table(
            col_widths=(3, 1),
            text_align=("LEFT", "RIGHT"),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=7,
        ) as table:
            for index, (label, value) in enumerate(rows):
                style = FontFace(emphasis="BOLD") if bold_last and index == len(rows) - 1 else None
                row = table.row()
                row.cell(latin1(label), style=style)
                row.cell(latin1(value), style=style)
        self.pdf.ln(2)

    def bullet(self, text: str) -> None:
        self.pdf.set_font("Helvetica", "", 11)
        self.pdf.cell(6, 6, "-")
        self.pdf.multi_cell(0, 6, latin1(text), **_NEXT)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def decision_letter_pdf(
    decision: Decision,
    *,
    notification_settings: NotificationSettings | None = None,
    summary: ScoreSummary | None = _UNSET,
    compress: bool = True,
) -> bytes:
    """The letter announcing ``decision`` (published) to the applicant, as PDF bytes.

    ``summary`` is the application's score summary; it is printed only for a
    not-selected application and only when the call's settings allow it. Left
    out, it is computed when needed. ``compress=False`` leaves the text
    readable in the bytes (tests).
    """
    application = decision.application
    call = application.call
    programme = call.programme
    settings = notification_settings or NotificationSettings(call=call)
    share_scores = (
        decision.outcome == DecisionOutcome.REJECTED and settings.share_score_summary_with_rejected
    )
    if share_scores and summary is _UNSET:
        summary = call_score_summaries(call).get(application.pk)
    with translation.override("fr"):
        letter = _Letter(
            title=_("Décision sur la candidature %s") % application.reference, compress=compress
        )
        letter.text(programme.name, size=10, style="B")
        letter.text(call.title, size=10)
        letter.pdf.ln(6)
        letter.text(application.organisation.name, style="B")
        if application.organisation.address:
            letter.text(application.organisation.address)
        letter.text(_("SIRET %s") % application.organisation.siret)
        letter.pdf.ln(4)
        when = decision.published_at or decision.updated_at
        letter.text(_("Le %s") % paris_date(when))
        letter.pdf.ln(4)
        letter.text(
            _("Objet : décision sur votre candidature « %(title)s » (%(reference)s)")
            % {"title": application.title, "reference": application.reference},
            style="B",
        )
        letter.pdf.ln(4)
        letter.paragraph(_("Madame, Monsieur,"))
        if decision.outcome == DecisionOutcome.LAUREATE:
            _laureate(letter, decision, settings)
        elif decision.outcome == DecisionOutcome.WAITING_LIST:
            _waiting(letter, decision)
        else:
            _rejected(letter, decision, summary if share_scores else None)
        if settings.contact_email:
            letter.paragraph(
                _("Pour toute question, écrivez à %(email)s en rappelant la référence %(ref)s.")
                % {"email": settings.contact_email, "ref": application.reference}
            )
        letter.paragraph(
            _(
                "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
                "distinguées."
            )
        )
        letter.pdf.ln(6)
        if settings.signatory_name:
            letter.text(settings.signatory_name, style="B")
        if settings.signatory_title:
            letter.text(settings.signatory_title)
        if not settings.signatory_name and not settings.signatory_title:
            letter.text(_("L'équipe du programme %s") % programme.name, style="B")
        return letter.output()


def _laureate(letter: _Letter, decision: Decision, settings: NotificationSettings) -> None:
    call = decision.application.call
    letter.paragraph(
        _(
            "Nous avons le plaisir de vous informer que votre projet a été retenu comme lauréat "
            "de l'appel « %s »."
        )
        % call.title
    )
    awards = sorted(decision.awards.all(), key=lambda a: str(a.funder))
    if awards:
        letter.heading(_("Aide attribuée"))
        rows = [(str(award.funder), format_eur(award.amount)) for award in awards]
        rows.append((_("Total"), format_eur(money_sum(a.amount for a in awards))))
        letter.table(rows, bold_last=True)
        letter.pdf.ln(2)
    letter.heading(_("Prochaines étapes"))
    if awards:
        letter.paragraph(
            _(
                "Une convention de financement est à signer avec chacun des cofinanceurs : "
                "elle fixe les conditions de versement de l'aide et les justificatifs attendus."
            )
        )
        for award in awards:
            letter.bullet(
                _("Convention avec %(funder)s, pour %(amount)s")
                % {"funder": award.funder.name, "amount": format_eur(award.amount)}
            )
        letter.pdf.ln(3)
    if settings.laureate_next_steps.strip():
        letter.paragraph(settings.laureate_next_steps.strip())
    else:
        letter.paragraph(
            _(
                "Le gestionnaire du programme vous contactera prochainement pour préparer ces "
                "conventions."
            )
        )


def _waiting(letter: _Letter, decision: Decision) -> None:
    letter.paragraph(
        _(
            "Votre projet n'a pas été retenu parmi les lauréats à ce stade, mais il est inscrit "
            "sur la liste d'attente, au rang %d."
        )
        % (decision.waiting_rank or 0)
    )
    letter.paragraph(
        _(
            "Si un lauréat renonce à son aide ou si des crédits se libèrent, les projets de la "
            "liste d'attente sont appelés dans l'ordre de leur rang. Vous serez alors contacté "
            "par le gestionnaire du programme. Vous n'avez aucune démarche à faire d'ici là."
        )
    )
    if decision.reason.strip():
        letter.heading(_("Observations du comité"))
        letter.paragraph(decision.reason.strip())


def _rejected(letter: _Letter, decision: Decision, summary: ScoreSummary | None) -> None:
    letter.paragraph(
        _(
            "Nous avons le regret de vous informer que votre projet n'a pas été retenu par le "
            "comité de sélection de l'appel « %s »."
        )
        % decision.application.call.title
    )
    letter.heading(_("Motifs de la décision"))
    letter.paragraph(
        decision.reason.strip()
        or _("Le comité n'a pas pu retenir votre projet compte tenu des crédits disponibles.")
    )
    if summary is not None:
        letter.heading(_("Résumé de l'évaluation"))
        rows = [(_("Note moyenne de votre projet (sur 20)"), _score(summary.score))]
        if summary.cutoff is not None:
            rows.append((_("Note du dernier projet retenu (sur 20)"), _score(summary.cutoff)))
        rows.extend(
            (
                _("Moyenne « %s »") % criterion.name,
                f"{_score(criterion.mean)} / {criterion.scale_max}",
            )
            for criterion in summary.criteria
        )
        letter.table(rows)
        letter.pdf.ln(1)
        letter.text(
            _("Moyennes des évaluations rendues (%d), pondérées selon les critères de l'appel.")
            % summary.reviews,
            size=9,
            height=5,
        )
        letter.pdf.ln(3)
    letter.paragraph(
        _(
            "Cette décision ne préjuge pas de la qualité de vos futurs projets : nous vous "
            "encourageons à candidater aux prochains appels."
        )
    )
