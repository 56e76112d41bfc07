"""Real files, built byte by byte in the tests: a PDF, a PNG, OpenDocument and OOXML files."""

import io
import struct
import zipfile
import zlib

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf_bytes(text: str = "Laureat", extra: bytes = b"") -> bytes:
    """A minimal valid PDF 1.4: one page showing ``text``, with a correct xref table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    if extra:
        out.write(b"% " + extra + b"\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real RGB PNG (red pixels), with CRCs, built with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _zip(entries: list[tuple[str, bytes]], *, first_stored: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if first_stored and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


def odt_bytes(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    """An OpenDocument text: ``mimetype`` first and stored, then the manifest and content."""
    return _zip(
        [
            ("mimetype", mimetype.encode("ascii")),
            (
                "META-INF/manifest.xml",
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                b'manifest:1.0" manifest:version="1.2"><manifest:file-entry '
                b'manifest:full-path="/" manifest:media-type="' + mimetype.encode() + b'"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" '
                b'manifest:media-type="text/xml"/></manifest:manifest>',
            ),
            (
                "content.xml",
                b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
                b'office:version="1.2"><office:body><office:text><text:p>Lettre de soutien'
                b"</text:p></office:text></office:body></office:document-content>",
            ),
        ],
        first_stored=True,
    )


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/%s" ContentType="%s"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="%s"/></Relationships>'
)


def docx_bytes() -> bytes:
    """A minimal WordprocessingML package that word processors open."""
    main = "word/document.xml"
    kind = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _zip(
        [
            ("[Content_Types].xml", _CONTENT_TYPES % (main.encode(), kind)),
            ("_rels/.rels", _RELS % main.encode()),
            (
                main,
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                b'main"><w:body><w:p><w:r><w:t>Budget</w:t></w:r></w:p></w:body></w:document>',
            ),
        ]
    )


def xlsx_bytes() -> bytes:
    """A minimal SpreadsheetML package with one sheet."""
    kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    return _zip(
        [
            ("[Content_Types].xml", _CONTENT_TYPES % (b"xl/workbook.xml", kind)),
            ("_rels/.rels", _RELS % b"xl/workbook.xml"),
            (
                "xl/workbook.xml",
                b"<workbook " + ns + b" " + rel_ns + b'><sheets><sheet name="Budget" '
                b'sheetId="1" r:id="rId1"/></sheets></workbook>',
            ),
            (
                "xl/_rels/workbook.xml.rels",
                _RELS.replace(b'officeDocument" Target', b'worksheet" Target')
                % b"worksheets/sheet1.xml",
            ),
            (
                "xl/worksheets/sheet1.xml",
                b"<worksheet " + ns + b'><sheetData><row r="1"><c r="A1" t="inlineStr">'
                b"<is><t>Total</t></is></c></row></sheetData></worksheet>",
            ),
        ]
    )


def plain_zip_bytes() -> bytes:
    return _zip([("notes.txt", b"just a zip")])


def exe_bytes() -> bytes:
    """The start of a Windows executable (MZ header, PE offset, DOS stub)."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 44
        + (b"\x80\x00\x00\x00This program cannot be run in DOS mode.\r\r\n$")
    )


def html_bytes() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def zip_bomb_like_bytes() -> bytes:
    """A zip whose first entry is named "mimetype" but inflates to 50 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("mimetype")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            block = b"\x00" * (1024 * 1024)
            for _ in range(50):
                entry.write(block)
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
    return out.getvalue()
