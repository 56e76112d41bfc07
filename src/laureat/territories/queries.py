"""Read functions for the reference geography (regions, departments, communes).

Index use of the prefix searches (checked with EXPLAIN, see
``tests/territories/test_queries.py``):

- SQLite: Django's ``startswith`` emits ``LIKE 'p%' ESCAPE '\\'``. SQLite's LIKE
  optimisation needs a NOCASE index while ``case_sensitive_like`` is off (the
  default), so with Django's BINARY index it scans the whole table
  (``SCAN territories_commune``). A range ``col >= 'p' AND col < 'q'`` (``q`` = ``p``
  with its last character incremented) is ``SEARCH ... USING INDEX (col>? AND
  col<?)``. It is exact here: BINARY compares UTF-8 bytes, i.e. code points, and
  the searched values come from ``normalise_name`` (``[a-z0-9 ]``) or are codes.
- PostgreSQL: the same range follows the column's collation, and collations that
  ignore spaces at the first level (glibc locales, ICU ``und-u-ka-shifted``) put
  ``"chalons en champagne"`` between ``"chalon s"`` and ``"chalon t"``: not exact.
  ``LIKE 'p%'`` is used instead: for an indexed ``CharField`` (and a ``CharField``
  primary key) Django also creates a ``varchar_pattern_ops`` index (``..._like``),
  which serves it whatever the collation. PostgreSQL 15, ICU fr-FR database:
  ``Index Scan using territories_commune_search_name_8ce165c9_like``, ``Index Cond:
  ((search_name ~>=~ 'chalon s') AND (search_name ~<~ 'chalon t'))``.

Postal-code search (a commune may have several codes, space-separated) is a
``LIKE '%code%'`` scan of ~35,000 short rows (about 15 ms on SQLite).
"""

import re
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, F, Q

from laureat.territories.models import Commune, Department, Region
from laureat.territories.normalise import normalise_name

# Digits (INSEE or postal code) or a Corsican INSEE code prefix (2A..., 2B...).
_CODE_INPUT = re.compile(r"[0-9]{1,5}|2[AB][0-9]{0,3}", re.IGNORECASE)


@dataclass(frozen=True)
class RegionCounts:
    region: Region
    departments: int
    communes: int


def region_by_code(code: str) -> Region | None:
    try:
        return Region.objects.get(code=code.strip())
    except Region.DoesNotExist:
        return None


def department_by_code(code: str) -> Department | None:
    try:
        return Department.objects.select_related("region").get(code=code.strip().upper())
    except Department.DoesNotExist:
        return None


def commune_by_code(code: str) -> Commune | None:
    try:
        return Commune.objects.select_related("department__region").get(code=code.strip().upper())
    except Commune.DoesNotExist:
        return None


def _prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written so that the index on ``field`` is used."""
    if connections[Commune.objects.db].vendor == "sqlite":
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    return Q(**{f"{field}__startswith": prefix})


def communes_search(prefix: str, limit: int = 20) -> list[Commune]:
    """Communes whose name starts with ``prefix`` (case, accents, punctuation ignored).

    Digits (or ``2A``/``2B`` + digits) match the start of the INSEE code or of one of
    the postal codes instead. Most populated first, then by name; one query.
    """
    text = prefix.strip()
    if not text or limit <= 0:
        return []
    if _CODE_INPUT.fullmatch(text):
        condition = _prefix_q("code", text.upper())
        if text.isdigit():
            condition |= Q(postal_codes__startswith=text) | Q(postal_codes__contains=f" {text}")
    else:
        normalised = normalise_name(text)
        if not normalised:
            return []
        condition = _prefix_q("search_name", normalised)
    communes = (
        Commune.objects.select_related("department__region")
        .filter(condition)
        .order_by(F("population").desc(nulls_last=True), "name", "code")
    )
    return list(communes[:limit])


def regions_with_counts() -> list[RegionCounts]:
    """Every region with its number of departments and communes, in display order."""
    regions = Region.objects.annotate(
        department_count=Count("departments", distinct=True),
        commune_count=Count("departments__communes"),
    )
    # Meta.ordering does not apply to GROUP BY queries; sort here, accent-insensitively
    # ("Île-de-France" among the I's on every backend).
    ordered = sorted(regions, key=lambda region: (region.overseas, normalise_name(region.name)))
    return [
        RegionCounts(
            region=region, departments=region.department_count, communes=region.commune_count
        )
        for region in ordered
    ]
