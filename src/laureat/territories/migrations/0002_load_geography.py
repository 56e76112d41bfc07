"""Load the COG 2026 geography (18 regions, 101 departments, ~34,900 communes).

The files are in ``territories/data/`` (see ``data/SOURCES.md``), found from this
file's location so it works from a checkout, an editable install or a wheel.
"""

import csv
import gzip
from pathlib import Path

from django.db import migrations

from laureat.territories.normalise import normalise_name

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BATCH_SIZE = 2000


def _rows(name):
    path = DATA_DIR / name
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load(apps, schema_editor):
    db = schema_editor.connection.alias
    Region = apps.get_model("territories", "Region")
    Department = apps.get_model("territories", "Department")
    Commune = apps.get_model("territories", "Commune")

    Region.objects.using(db).bulk_create(
        [
            Region(code=row["code"], name=row["name"], overseas=row["overseas"] == "1")
            for row in _rows("regions.csv")
        ]
    )
    Department.objects.using(db).bulk_create(
        [
            Department(
                code=row["code"],
                name=row["name"],
                region_id=row["region"],
                overseas=row["overseas"] == "1",
            )
            for row in _rows("departments.csv")
        ]
    )
    Commune.objects.using(db).bulk_create(
        (
            Commune(
                code=row["code"],
                name=row["name"],
                search_name=normalise_name(row["name"]),
                department_id=row["department"],
                postal_codes=row["postal_codes"],
                population=int(row["population"]) if row["population"] else None,
            )
            for row in _rows("communes.csv.gz")
        ),
        batch_size=BATCH_SIZE,
    )


def unload(apps, schema_editor):
    db = schema_editor.connection.alias
    for model in ("Commune", "Department", "Region"):
        apps.get_model("territories", model).objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
