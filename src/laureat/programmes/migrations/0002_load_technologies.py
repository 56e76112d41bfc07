from django.db import migrations

from laureat.programmes.technologies import TECHNOLOGIES


def load(apps, schema_editor):
    Technology = apps.get_model("programmes", "Technology")
    Technology.objects.bulk_create(
        Technology(slug=t.slug, name=t.name, description=t.description) for t in TECHNOLOGIES
    )


def unload(apps, schema_editor):
    apps.get_model("programmes", "Technology").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
