"""Content sniffing on real files built in the tests: the content decides, never the name."""

import io

import pytest

from laureat.documents import detect
from tests.documents import samples


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.pdf_bytes(), detect.PDF),
        (samples.png_bytes(), detect.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00", detect.JPEG),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", detect.GIF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", detect.WEBP),
        (samples.odt_bytes(), detect.ODT),
        (samples.odt_bytes("application/vnd.oasis.opendocument.spreadsheet"), detect.ODS),
        (samples.docx_bytes(), detect.DOCX),
        (samples.xlsx_bytes(), detect.XLSX),
    ],
    ids=["pdf", "png", "jpeg", "gif", "webp", "odt", "ods", "docx", "xlsx"],
)
def test_detect_file_type_recognises_accepted_files(data: bytes, expected: detect.FileType) -> None:
    assert detect.detect_file_type(io.BytesIO(data)) == expected


@pytest.mark.parametrize(
    "data",
    [
        samples.exe_bytes(),
        samples.plain_zip_bytes(),
        samples.html_bytes(),
        b"Ceci est un simple texte, pas un PDF.\n",
        b"",
        samples.odt_bytes("application/x-not-opendocument"),
        b"PK\x03\x04 truncated archive",
    ],
    ids=["exe", "zip", "html", "text", "empty", "unknown-opendocument", "broken-zip"],
)
def test_detect_file_type_refuses_other_content(data: bytes) -> None:
    assert detect.detect_file_type(io.BytesIO(data)) is None


def test_detect_file_type_never_inflates_an_oversized_mimetype_entry() -> None:
    bomb = samples.zip_bomb_like_bytes()
    # 50 MB of zeros once inflated; the archive itself is small.
    assert len(bomb) < 200_000
    assert detect.detect_file_type(io.BytesIO(bomb)) is None


def test_detect_file_type_puts_the_file_back_at_its_start() -> None:
    handle = io.BytesIO(samples.docx_bytes())
    handle.seek(10)
    detect.detect_file_type(handle)
    assert handle.tell() == 0
