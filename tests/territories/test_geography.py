"""The COG 2026 geography loaded by ``territories/migrations/0002_load_geography.py``."""

import importlib
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from laureat.territories.models import Commune, Department, Region
from laureat.territories.normalise import normalise_name

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "src" / "laureat" / "territories" / "data"
SHARED_GEO = REPO_ROOT.parent / "shared" / "data" / "geo"

OVERSEAS_REGIONS = {"01", "02", "03", "04", "06"}
OVERSEAS_DEPARTMENTS = {"971", "972", "973", "974", "976"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L'Abergement-Clémenciat", "l abergement clemenciat"),
        ("Chalon-sur-Saône", "chalon sur saone"),
        ("Saint-Étienne", "saint etienne"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("  ÉCOUEN  ", "ecouen"),
        ("Provence-Alpes-Côte d'Azur", "provence alpes cote d azur"),
        ("a -- b (c).", "a b c"),
        ("Sainte\u00a0Marie", "sainte marie"),
        ("", ""),
        ("'-", ""),
    ],
)
def test_normalise_name(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


@pytest.mark.django_db
def test_regions() -> None:
    regions = {region.code: region for region in Region.objects.all()}
    assert len(regions) == 18
    assert {code for code, region in regions.items() if region.overseas} == OVERSEAS_REGIONS
    assert sum(not region.overseas for region in regions.values()) == 13
    assert regions["27"].name == "Bourgogne-Franche-Comté"
    assert regions["11"].name == "Île-de-France"
    assert regions["04"].name == "La Réunion"


@pytest.mark.django_db
def test_departments() -> None:
    departments = {d.code: d for d in Department.objects.all()}
    assert len(departments) == 101
    assert {"01", "2A", "2B", "95", *OVERSEAS_DEPARTMENTS} <= departments.keys()
    assert "20" not in departments
    assert not {"975", "977", "978", "984", "986", "987", "988", "989"} & departments.keys()
    assert {code for code, d in departments.items() if d.overseas} == OVERSEAS_DEPARTMENTS
    assert departments["2A"].name == "Corse-du-Sud"
    assert departments["2A"].region_id == "94"
    assert departments["71"].region_id == "27"
    assert {departments[code].region_id for code in OVERSEAS_DEPARTMENTS} == OVERSEAS_REGIONS
    # A department is overseas exactly when its region is.
    for department in Department.objects.select_related("region"):
        assert department.overseas == department.region.overseas


@pytest.mark.django_db
def test_commune_count() -> None:
    assert 34_800 <= Commune.objects.count() <= 35_000
    # No municipal arrondissement, no commune of a collectivité d'outre-mer.
    assert not Commune.objects.filter(code__in=["75101", "13201", "69381"]).exists()
    assert not Commune.objects.filter(code__startswith="98").exists()
    assert Commune.objects.filter(department__overseas=True).count() == 129


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name", "department", "region", "postal_codes"),
    [
        ("71076", "Chalon-sur-Saône", "71", "27", "71100"),
        ("92050", "Nanterre", "92", "11", "92000"),
        ("33063", "Bordeaux", "33", "75", "33000 33100 33200 33300 33800"),
        ("2A004", "Ajaccio", "2A", "94", "20000 20090 20167"),
        ("97411", "Saint-Denis", "974", "04", "97400 97417 97490"),
        ("97608", "Dzaoudzi", "976", "06", "97615"),
    ],
)
def test_known_communes(
    code: str, name: str, department: str, region: str, postal_codes: str
) -> None:
    commune = Commune.objects.select_related("department__region").get(code=code)
    assert commune.name == name
    assert commune.search_name == normalise_name(name)
    assert commune.department_id == department
    assert commune.department.region_id == region
    assert commune.postal_codes == postal_codes
    assert commune.department.overseas is commune.department.region.overseas
    assert commune.department.overseas is code.startswith("97")
    assert commune.population is not None
    assert commune.population > 0


@pytest.mark.django_db
def test_paris_postal_codes_and_population() -> None:
    paris = Commune.objects.get(code="75056")
    assert paris.postal_codes.split() == sorted(paris.postal_codes.split())
    assert {"75001", "75116", "75020"} <= set(paris.postal_codes.split())
    assert paris.population is not None
    assert paris.population > 2_000_000


@pytest.mark.django_db
def test_search_names_are_normalised() -> None:
    assert not Commune.objects.filter(search_name="").exists()
    for name, search_name in Commune.objects.values_list("name", "search_name")[::97]:
        assert search_name == normalise_name(name)


@pytest.mark.django_db
def test_reverse_migration_empties_the_tables() -> None:
    migration = importlib.import_module("laureat.territories.migrations.0002_load_geography")
    # The models as they are when 0002 is unapplied (apps depending on it already are).
    state = MigrationLoader(connection).project_state(("territories", "0002_load_geography"))
    migration.unload(state.apps, SimpleNamespace(connection=connection))
    assert not Commune.objects.exists()
    assert not Department.objects.exists()
    assert not Region.objects.exists()


@pytest.mark.skipif(not SHARED_GEO.is_dir(), reason="shared COG sources not available")
def test_data_files_are_reproducible(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_geography", REPO_ROOT / "scripts" / "build_geography.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    counts = script.build(SHARED_GEO, tmp_path)

    assert counts == {"regions": 18, "departments": 101, "communes": 34_875}
    for name in ("regions.csv", "departments.csv", "communes.csv.gz"):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name
    assert (DATA_DIR / "communes.csv.gz").stat().st_size < 1_000_000
