import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "insee-categories-juridiques-niveau3.csv"


def load(apps, schema_editor):
    LegalCategory = apps.get_model("applicants", "LegalCategory")
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = [LegalCategory(code=r["code"], label=r["libelle"]) for r in csv.DictReader(handle)]
    LegalCategory.objects.bulk_create(rows)


def unload(apps, schema_editor):
    apps.get_model("applicants", "LegalCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("applicants", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
