"""Real browser tests: Playwright driving Debian's Chromium, headless.

Chromium comes from the distribution (``apt-get install chromium``); Playwright
never downloads a browser here. Without Chromium the tests are skipped, unless
``LAUREAT_REQUIRE_BROWSER=1`` (CI), where its absence is a failure.
"""

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

CHROMIUM = os.environ.get("LAUREAT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make to prepare data are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not _chromium_available():
        if os.environ.get("LAUREAT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required for the browser tests and is missing at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# The data migrations that load reference data. A live-server test runs in a
# transactional database, flushed after each test: this reloads what the flush
# emptied (a few seconds), far cheaper than a serialized rollback (30 s a test).
REFERENCE_DATA = (
    ("territories", "Commune", "laureat.territories.migrations.0002_load_geography"),
    ("programmes", "Technology", "laureat.programmes.migrations.0002_load_technologies"),
    ("applicants", "LegalCategory", "laureat.applicants.migrations.0002_load_legal_categories"),
)


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    for app_label, model_name, migration in REFERENCE_DATA:
        if not apps.get_model(app_label, model_name).objects.exists():
            module = importlib.import_module(migration)
            module.load(apps, SimpleNamespace(connection=connection))
