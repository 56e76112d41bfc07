"""A map of France by region, drawn on the server as inline SVG (no script, nothing fetched).

The geometry is ``data/regions-map.json``, built by ``scripts/build_region_map.py``
(see ``data/SOURCES.md``): metropolitan France, and the five overseas regions in
inset boxes on its left. Regions are filled by a count (laureates) on a sequential
palette of DSFR blues; a region at 0 is light grey.
"""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from laureat.core.money import format_eur

GEOMETRY_FILE = Path(__file__).resolve().parent / "data" / "regions-map.json"

ZERO_FILL = "#eeeeee"  # DSFR grey-950
# Blues from DSFR's blue France (850 ... sun-113), light to dark; the lightest stays
# distinct from the grey of 0.
PALETTE: tuple[str, ...] = ("#cacafb", "#9898f8", "#6a6af4", "#3a3ad0", "#000091")
DARK_FILLS = frozenset({"#3a3ad0", "#000091"})
STROKE = "#ffffff"
TEXT = "#161616"
MAX_CLASSES = len(PALETTE)
LEGEND_HEIGHT = 44


@dataclass(frozen=True)
class LegendClass:
    """A class of the legend: counts from ``low`` to ``high`` share one ``fill``."""

    low: int
    high: int
    fill: str

    @property
    def label(self) -> str:
        if self.low == self.high:
            return str(self.low)
        return _("%(low)s à %(high)s") % {"low": self.low, "high": self.high}


@cache
def geometry() -> dict[str, Any]:
    """The committed geometry (read once per process)."""
    data: dict[str, Any] = json.loads(GEOMETRY_FILE.read_text(encoding="utf-8"))
    return data


def legend_classes(maximum: int) -> list[LegendClass]:
    """Classes of equal width from 1 to ``maximum`` (at most five); 0 is outside them.

    ``maximum`` <= 5 gives one class per value; colours are spread over the palette
    so that few classes still contrast.
    """
    if maximum <= 0:
        return []
    count = min(MAX_CLASSES, maximum)
    highs = [math.ceil(maximum * (i + 1) / count) for i in range(count)]
    if count == 1:
        fills = [PALETTE[2]]
    else:
        fills = [PALETTE[round(i * (len(PALETTE) - 1) / (count - 1))] for i in range(count)]
    classes = []
    low = 1
    for high, fill in zip(highs, fills, strict=True):
        classes.append(LegendClass(low, high, fill))
        low = high + 1
    return classes


def fill_for(value: int, classes: list[LegendClass]) -> str:
    for cls in classes:
        if cls.low <= value <= cls.high:
            return cls.fill
    return ZERO_FILL


def region_title(name: str, count: int, amount: Decimal | None) -> str:
    """« Bretagne : 3 lauréats, 450 000,00 € » (the amount only when given and non-zero).

    Zero is said in words: ngettext without a French catalogue would write « 0 lauréats ».
    """
    if count == 0:
        laureates = _("aucun lauréat")
    else:
        laureates = ngettext("%(count)s lauréat", "%(count)s lauréats", count) % {"count": count}
    if amount:
        return _("%(name)s : %(laureates)s, %(amount)s") % {
            "name": name,
            "laureates": laureates,
            "amount": format_eur(amount),
        }
    return _("%(name)s : %(laureates)s") % {"name": name, "laureates": laureates}


def region_map_svg(
    values: Mapping[str, int],
    *,
    amounts: Mapping[str, Decimal] | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
    description: str | None = None,
    id_prefix: str = "carte-regions",
) -> str:
    """The SVG (a string, to be inserted as is) of the 18 regions filled by ``values``.

    ``values`` and ``amounts`` are keyed by INSEE region code ("11", "04"...); a
    missing code counts 0. ``names`` overrides the region names of the geometry
    file. The ``<svg>`` has ``role="img"`` and is labelled by its ``<title>`` and
    ``<desc>``; each region is a ``<path>`` with its own ``<title>`` and
    ``aria-label``; the legend is drawn under the map. Pure: no database access.
    """
    geo = geometry()
    amounts = amounts or {}
    names = names or {}
    width, height = int(geo["width"]), int(geo["height"])
    total_height = height + LEGEND_HEIGHT
    maximum = max((int(v) for v in values.values()), default=0)
    classes = legend_classes(maximum)
    title = title or _("Carte des lauréats par région")
    description = description or _(
        "Nombre de lauréats dans chaque région ; les régions d'outre-mer figurent "
        "dans des encadrés à gauche de la métropole."
    )
    title_id = f"{id_prefix}-titre"
    desc_id = f"{id_prefix}-description"

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="laureat-map" '
        f'viewBox="0 0 {width} {total_height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    regions: dict[str, Any] = geo["regions"]
    # Overseas insets first (their frames under the shapes), then metropolitan France.
    out.append('<g class="laureat-map__insets">')
    for code, region in regions.items():
        if not region["overseas"]:
            continue
        x, y, w, h = region["box"]
        name = names.get(code, region["name"])
        out.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" '
            f'stroke="#929292" stroke-width="0.8" data-inset="{code}"/>'
        )
        out.append(
            f'<text x="{x + 4}" y="{y + 11}" font-size="9" fill="{TEXT}" '
            f'aria-hidden="true">{escape(name)}</text>'
        )
    out.append("</g>")
    out.append('<g class="laureat-map__regions">')
    for code, region in regions.items():
        count = int(values.get(code, 0))
        name = names.get(code, region["name"])
        label = region_title(name, count, amounts.get(code))
        out.append(
            f'<path d="{region["d"]}" fill="{fill_for(count, classes)}" stroke="{STROKE}" '
            f'stroke-width="0.8" stroke-linejoin="round" data-region="{code}" '
            f'data-value="{count}" aria-label={quoteattr(label)}>'
            f"<title>{escape(label)}</title></path>"
        )
    out.append("</g>")
    # The count on each region with laureates, at its label point.
    out.append('<g class="laureat-map__counts" aria-hidden="true">')
    for code, region in regions.items():
        count = int(values.get(code, 0))
        if count <= 0:
            continue
        fill = fill_for(count, classes)
        colour = "#ffffff" if fill in DARK_FILLS else TEXT
        lx, ly = region["label"]
        out.append(
            f'<text x="{lx}" y="{ly}" font-size="13" font-weight="700" fill="{colour}" '
            f'text-anchor="middle" dominant-baseline="central">{count}</text>'
        )
    out.append("</g>")
    out.append(_legend(classes, y=height + 8))
    out.append("</svg>")
    return "".join(out)


def _legend(classes: list[LegendClass], *, y: float) -> str:
    """Swatches in a row under the map: 0 first, then each class."""
    items = [(_("0 lauréat"), ZERO_FILL)]
    items += [(cls.label, cls.fill) for cls in classes]
    parts = [f'<g class="laureat-map__legend" transform="translate(122 {y})">']
    parts.append(
        f'<text x="0" y="9" font-size="11" font-weight="700" fill="{TEXT}">'
        f"{escape(_('Nombre de lauréats'))}</text>"
    )
    x = 0.0
    for label, fill in items:
        parts.append(
            f'<rect x="{x}" y="16" width="16" height="16" fill="{fill}" '
            f'stroke="#929292" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{x + 21}" y="28" font-size="11" fill="{TEXT}">{escape(label)}</text>'
        )
        x += 32 + 7 * len(label)
    parts.append("</g>")
    return "".join(parts)
