"""The virus-scanner hook: an external command (e.g. ``clamdscan --no-summary --fdpass``).

The command from ``settings.LAUREAT_VIRUS_SCAN_COMMAND`` is run with the file's
path as its last argument, without a shell and with a timeout. Exit code 0 means
clean and 1 infected (the convention of ClamAV's scanners); anything else, a
timeout or a missing command is a failure of the scan, and the file is refused
as well: a file nobody could check is not stored.
"""

import logging
import shlex
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from laureat.core.errors import DomainError

logger = logging.getLogger(__name__)

SCAN_TIMEOUT_SECONDS = 120


def scan_command() -> list[str]:
    """The configured command as arguments, empty when scanning is off."""
    return shlex.split(getattr(settings, "LAUREAT_VIRUS_SCAN_COMMAND", "") or "")


def scan_file(path: Path, *, name: str) -> None:
    """Raise ``DomainError`` unless the scanner says ``path`` is clean. No-op when scanning is off.

    ``name`` is the file's name as the person knows it, for the message.
    """
    command = scan_command()
    if not command:
        return
    try:
        result = subprocess.run(
            [*command, str(path)],
            capture_output=True,
            timeout=SCAN_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.error("Virus scan of %s could not run: %s", path, error)
        raise DomainError(
            _("L'analyse antivirus du fichier « %s » a échoué : réessayez dans un instant.") % name,
            code="scan_failed",
        ) from error
    if result.returncode == 0:
        return
    if result.returncode == 1:
        logger.warning(
            "Virus scanner flagged an upload (%s): %s",
            name,
            result.stdout.decode("utf-8", "replace").strip()[:500],
        )
        raise DomainError(
            _("Le fichier « %s » a été signalé par l'antivirus et n'a pas été enregistré.") % name,
            code="infected",
        )
    logger.error(
        "Virus scan of %s failed with exit code %s: %s",
        path,
        result.returncode,
        result.stderr.decode("utf-8", "replace").strip()[:500],
    )
    raise DomainError(
        _("L'analyse antivirus du fichier « %s » a échoué : réessayez dans un instant.") % name,
        code="scan_failed",
    )
