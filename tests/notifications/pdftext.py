"""The text of an fpdf2 PDF, for assertions (no PDF library needed).

Compressed page streams (zlib, fpdf2's default) are inflated first; with
``compress=False`` the text is already there.
"""

import re
import zlib

_STREAM = re.compile(rb"stream\n(.*?)\nendstream", re.DOTALL)
_SHOW = re.compile(rb"\(((?:[^()\\]|\\.)*)\) Tj")
_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)


def _content(data: bytes) -> bytes:
    chunks = []
    for match in _STREAM.finditer(data):
        raw = match.group(1)
        try:
            chunks.append(zlib.decompress(raw))
        except zlib.error:
            chunks.append(raw)
    return b"\n".join(chunks)


def pdf_text(data: bytes) -> str:
    """Every shown string, in order, joined by spaces, whitespace collapsed."""
    shown = _SHOW.finditer(_content(data))
    parts = [_ESCAPE.sub(rb"\1", m.group(1)).decode("cp1252") for m in shown]
    return " ".join(" ".join(parts).split())
