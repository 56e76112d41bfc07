"""The ``laureat`` command: Django's management commands under one name.

``laureat migrate``, ``laureat runserver``, ``laureat demo``... are the same as
``python -m django <command>`` with Laureat's settings.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laureat.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["laureat", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
