"""The one place where Laureat reads its environment.

Every setting that may change between machines is read here, typed and with
its default; ``base.py`` uses the values and never touches ``os.environ``.
"""

import os
from pathlib import Path

# The repository root when Laureat runs from a checkout (``pip install -e .``).
BASE_DIR = Path(__file__).resolve().parents[3]


def _str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else int(value)


VAR_DIR = Path(_str("LAUREAT_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = _bool("DEBUG", False)
SECRET_KEY = _str("SECRET_KEY", "")
# The site's public address (scheme and host), for links in emails sent without a
# request (the CLI, the demo): e.g. https://laureat.example.gouv.fr
SITE_URL = _str("SITE_URL", "")
ALLOWED_HOSTS = _list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS", [])

# SQLite under var/ by default; PostgreSQL with postgres://user:pass@host:5432/name.
DATABASE_URL = _str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'laureat.sqlite3'}")
DATABASE_CONN_MAX_AGE = _int("DATABASE_CONN_MAX_AGE", 60)

# Email: "console" (default), "file" (writes to var/mail/), "smtp" or "locmem".
EMAIL_BACKEND = _str("EMAIL_BACKEND", "console")
EMAIL_HOST = _str("EMAIL_HOST", "localhost")
EMAIL_PORT = _int("EMAIL_PORT", 25)
EMAIL_HOST_USER = _str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = _str("DEFAULT_FROM_EMAIL", "Laureat <ne-pas-repondre@laureat.localhost>")

STATIC_ROOT = Path(_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Attachments: size limit in megabytes; virus scanner command (empty: no scan),
# run with the file's path appended, e.g. "clamdscan --no-summary --fdpass".
LAUREAT_UPLOAD_MAX_MB = _int("LAUREAT_UPLOAD_MAX_MB", 20)
LAUREAT_VIRUS_SCAN_COMMAND = _str("LAUREAT_VIRUS_SCAN_COMMAND", "")

# Behind a TLS-terminating proxy in production.
SECURE = _bool("SECURE", False)
