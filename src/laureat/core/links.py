"""Absolute links for emails.

Domain functions never see a request: a view passes ``base_url`` (scheme and host, e.g.
``request.build_absolute_uri("/")``). Where there is no request (the CLI, the demo, a
refill started by another user), ``SITE_URL`` (settings, from the environment) is used;
without it the link stays relative.
"""

from django.conf import settings


def absolute_url(base_url: str, path: str) -> str:
    return (base_url or settings.SITE_URL).rstrip("/") + path
