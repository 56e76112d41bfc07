"""Read functions of ``laureat.territories.queries``."""

import pytest
from django.db import connection
from pytest_django import DjangoAssertNumQueries

from laureat.territories.models import Commune
from laureat.territories.queries import (
    _prefix_q,
    commune_by_code,
    communes_search,
    department_by_code,
    region_by_code,
    regions_with_counts,
)

pytestmark = pytest.mark.django_db


def _codes(communes: list[Commune]) -> list[str]:
    return [commune.code for commune in communes]


def test_region_by_code(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(1):
        region = region_by_code("27")
    assert region is not None
    assert region.name == "Bourgogne-Franche-Comté"
    assert region_by_code("99") is None
    assert region_by_code("") is None


def test_department_by_code(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(1):
        department = department_by_code(" 2a ")
        assert department is not None
        assert department.name == "Corse-du-Sud"
        assert department.region.name == "Corse"
    assert department_by_code("975") is None


def test_commune_by_code(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(1):
        commune = commune_by_code("71076")
        assert commune is not None
        assert commune.name == "Chalon-sur-Saône"
        assert commune.department.code == "71"
        assert commune.department.region.code == "27"
    corsican = commune_by_code("2a004")
    assert corsican is not None
    assert corsican.name == "Ajaccio"
    assert commune_by_code("75101") is None  # municipal arrondissement, not a commune


@pytest.mark.parametrize(
    "prefix", ["chalon s", "Chalon-sur-Saône", "CHALON SUR SAONE", "  chalon-s", "chalon sur saône"]
)
def test_search_by_name_ignores_case_accents_and_punctuation(prefix: str) -> None:
    assert _codes(communes_search(prefix)) == ["71076"]


def test_search_is_a_prefix_search_on_words() -> None:
    codes = _codes(communes_search("chalon", limit=50))
    assert "71076" in codes
    assert "51108" in codes  # Châlons-en-Champagne
    assert "51108" not in _codes(communes_search("chalon s", limit=50))
    assert "71076" not in _codes(communes_search("halon"))


def test_search_examples() -> None:
    assert _codes(communes_search("saint etienne", limit=1)) == ["42218"]
    assert _codes(communes_search("Saint-Étienne", limit=1)) == ["42218"]
    assert _codes(communes_search("l'hay", limit=1)) == ["94038"]
    assert "57521" in _codes(communes_search("oeting"))  # Œting
    assert _codes(communes_search("nanterre")) == ["92050"]
    assert _codes(communes_search("bordeaux", limit=1)) == ["33063"]
    # Saint-Denis (La Réunion) is more populated than Saint-Denis (Seine-Saint-Denis).
    assert _codes(communes_search("saint denis", limit=2)) == ["97411", "93066"]


def test_search_orders_by_population_then_name() -> None:
    communes = communes_search("saint", limit=50)
    assert len(communes) == 50
    keys = [(-(commune.population or 0), commune.name) for commune in communes]
    assert keys == sorted(keys)
    assert all(commune.search_name.startswith("saint") for commune in communes)


def test_search_limit() -> None:
    assert len(communes_search("a", limit=7)) == 7
    assert len(communes_search("a")) == 20
    assert communes_search("a", limit=0) == []


@pytest.mark.parametrize("prefix", ["", "   ", "'-", "(", "%", "_"])
def test_search_without_letters_makes_no_query(
    prefix: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        assert communes_search(prefix) == []


def test_search_by_postal_code() -> None:
    communes = communes_search("71100")
    assert communes[0].code == "71076"
    # Either the postal code or the INSEE code (71100 is Chardonnay, postal code 71700).
    assert all(
        "71100" in commune.postal_codes.split() or commune.code == "71100" for commune in communes
    )
    assert "71100" in _codes(communes)
    # 33000 is the first of Bordeaux's postal codes, 33800 the last.
    assert _codes(communes_search("33000")) == ["33063"]
    assert _codes(communes_search("33800")) == ["33063"]
    # Paris: a postal-code prefix (75001...75020 and 75116).
    assert communes_search("7511", limit=1)[0].code == "75056"


def test_search_by_insee_code() -> None:
    assert _codes(communes_search("92050")) == ["92050"]
    # 97411 is the INSEE code of Saint-Denis and a postal code of Saint-Paul (97415).
    assert set(_codes(communes_search("97411"))) == {"97411", "97415"}
    assert _codes(communes_search("2a004")) == ["2A004"]
    assert {commune.department_id for commune in communes_search("2B", limit=100)} == {"2B"}


def test_search_overseas_commune() -> None:
    commune = communes_search("dzaoudzi")[0]
    assert commune.code == "97608"
    assert commune.department.overseas
    assert commune.department.region.code == "06"


def test_search_is_one_query(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(1):
        communes = communes_search("saint", limit=20)
        names = [f"{c.name} {c.department.name} {c.department.region.name}" for c in communes]
    assert len(names) == 20
    with django_assert_num_queries(1):
        communes = communes_search("33", limit=20)
        assert all(commune.department.region.code for commune in communes)


def test_name_prefix_search_uses_the_index() -> None:
    plan = Commune.objects.filter(_prefix_q("search_name", "chalon s")).explain()
    assert "territories_commune_search_name" in plan, plan
    if connection.vendor == "sqlite":
        assert "SEARCH territories_commune USING INDEX" in plan, plan
        # What Django's startswith gives on SQLite: LIKE ... ESCAPE, a full scan.
        like_plan = Commune.objects.filter(search_name__startswith="chalon s").explain()
        assert "SCAN territories_commune" in like_plan, like_plan


def test_regions_with_counts(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(1):
        rows = regions_with_counts()
        names = [row.region.name for row in rows]
    assert len(rows) == 18
    assert [row.region.overseas for row in rows] == [False] * 13 + [True] * 5
    assert names.index("Hauts-de-France") < names.index("Île-de-France") < names.index("Normandie")
    by_code = {row.region.code: row for row in rows}
    assert by_code["11"].departments == 8
    assert by_code["94"].departments == 2
    assert by_code["06"].departments == 1
    assert sum(row.departments for row in rows) == 101
    assert sum(row.communes for row in rows) == Commune.objects.count()
