"""What a file really is, from its content (magic bytes), never from its name.

Pure functions over a binary file object: no ORM, no settings. Office files are
zip archives; only their table of contents and, for OpenDocument, the tiny
``mimetype`` entry are read, so a zip bomb is never decompressed.
"""

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

# OpenDocument's ``mimetype`` entry holds a few dozen bytes; anything bigger is not one.
_MAX_MIMETYPE_ENTRY = 100


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # with its dot, e.g. ".pdf"
    label: str  # short name shown to people, e.g. "PDF"


PDF = FileType("application/pdf", ".pdf", "PDF")
PNG = FileType("image/png", ".png", "PNG")
JPEG = FileType("image/jpeg", ".jpg", "JPEG")
GIF = FileType("image/gif", ".gif", "GIF")
WEBP = FileType("image/webp", ".webp", "WebP")
ODT = FileType("application/vnd.oasis.opendocument.text", ".odt", "ODT")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", ".ods", "ODS")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "DOCX"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "XLSX"
)

ACCEPTED: tuple[FileType, ...] = (PDF, ODT, ODS, DOCX, XLSX, PNG, JPEG, GIF, WEBP)
ACCEPTED_LABELS = ", ".join(t.label for t in ACCEPTED)
BY_CONTENT_TYPE = {t.content_type: t for t in ACCEPTED}

_OPENDOCUMENT = {ODT.content_type: ODT, ODS.content_type: ODS}


def _sniff_head(head: bytes) -> FileType | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _sniff_zip(file: BinaryIO) -> FileType | None:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    with archive:
        infos = archive.infolist()
        if not infos:
            return None
        first = infos[0]
        # OpenDocument: the first entry is "mimetype", stored uncompressed.
        if first.filename == "mimetype":
            if first.file_size > _MAX_MIMETYPE_ENTRY:
                return None
            try:
                value = archive.read(first).decode("ascii", "replace").strip()
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
                return None
            return _OPENDOCUMENT.get(value)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names:
            return None
        if any(name.startswith("word/") for name in names):
            return DOCX
        if any(name.startswith("xl/") for name in names):
            return XLSX
    return None


def detect_file_type(file: BinaryIO) -> FileType | None:
    """The accepted type of ``file`` judged by its content, or None when it is not accepted.

    ``file`` must be seekable; its position is put back at the start afterwards.
    """
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    found = _sniff_head(head)
    if found is None and head.startswith(b"PK\x03\x04"):
        found = _sniff_zip(file)
    file.seek(0)
    return found
