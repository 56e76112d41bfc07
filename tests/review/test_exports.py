"""Review exports: pure tables to CSV and XLSX bytes, inert for spreadsheets."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from laureat.review.exports import Table, safe_text, to_csv, to_xlsx

TABLE = Table(
    headers=["Référence", "Commentaire", "Note"],
    rows=[
        ["AAP-1", "=1+2", Decimal("3.50")],
        ["AAP-2", "@SUM(A1:A2)", 12.345],
        ["AAP-3", "+33 6 00 00 00 00", None],
        ["AAP-4", "-2", datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))],
        ["AAP-5", "Très bien ; « solide »", 0],
    ],
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("Bien", "Bien"),
        ("", ""),
    ],
)
def test_safe_text_prefixes_formula_starts(value: str, expected: str) -> None:
    assert safe_text(value) == expected


def test_to_csv_semicolons_bom_and_neutralised_cells() -> None:
    content = to_csv(TABLE)
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Référence;Commentaire;Note"
    assert lines[1] == "AAP-1;'=1+2;3.50"
    assert lines[2] == "AAP-2;'@SUM(A1:A2);12.35"
    assert lines[3] == "AAP-3;'+33 6 00 00 00 00;"
    assert lines[4] == "AAP-4;'-2;2026-11-25 10:30"
    assert lines[5] == 'AAP-5;"Très bien ; « solide »";0'


def test_to_xlsx_keeps_text_as_text_and_numbers_as_numbers() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Référence", "Commentaire", "Note")
    assert rows[1] == ("AAP-1", "'=1+2", 3.5)
    assert rows[2][1] == "'@SUM(A1:A2)"
    assert rows[4][2] == datetime(2026, 11, 25, 10, 30)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.freeze_panes == "A2"
