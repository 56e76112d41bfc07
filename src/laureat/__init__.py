"""Laureat: run a public funding programme end to end."""

__version__ = "0.1.0"
