"""GET /healthz: 200 when the database answers, 503 when it cannot be reached."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

SCRIPT = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable() -> None:
    # A real unreachable server (nothing listens on port 1), in a separate process.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "laureat.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/unreachable",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"status": 503, "body": {"status": "error", "database": "unreachable"}}
