"""The SVG map of France by region: pure, well-formed, accessible, every region drawn."""

import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal

from laureat.reporting.map import (
    GEOMETRY_FILE,
    PALETTE,
    ZERO_FILL,
    geometry,
    legend_classes,
    region_map_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
ALL_REGIONS = {
    "01", "02", "03", "04", "06",
    "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94",
}  # fmt: skip
OVERSEAS = {"01", "02", "03", "04", "06"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def paths_by_region(root: ET.Element) -> dict[str, ET.Element]:
    return {p.attrib["data-region"]: p for p in root.iter(f"{SVG}path")}


def test_region_map_svg_is_well_formed_and_labelled() -> None:
    root = parse(region_map_svg({"11": 3}, title="Carte & lauréats <test>"))
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert (title.attrib["id"], desc.attrib["id"]) == (title_id, desc_id)
    assert title.text == "Carte & lauréats <test>"


def test_region_map_svg_draws_all_18_regions() -> None:
    paths = paths_by_region(parse(region_map_svg({})))
    assert set(paths) == ALL_REGIONS
    assert all(p.attrib["d"].startswith("M") for p in paths.values())


def test_region_map_svg_overseas_insets_present_and_labelled() -> None:
    root = parse(region_map_svg({}))
    insets = {r.attrib["data-inset"] for r in root.iter(f"{SVG}rect") if "data-inset" in r.attrib}
    assert insets == OVERSEAS
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"} <= texts


def test_region_map_svg_zero_is_grey_and_counts_are_blue() -> None:
    paths = paths_by_region(parse(region_map_svg({"11": 4, "04": 1, "53": 0})))
    assert paths["53"].attrib["fill"] == ZERO_FILL
    assert paths["94"].attrib["fill"] == ZERO_FILL  # missing code: 0
    assert paths["11"].attrib["fill"] in PALETTE
    assert paths["04"].attrib["fill"] in PALETTE
    assert paths["11"].attrib["fill"] != paths["04"].attrib["fill"]


def test_region_map_svg_titles_and_aria_labels() -> None:
    svg = region_map_svg(
        {"11": 2, "04": 1},
        amounts={"11": Decimal("1500000.00")},
        names={"11": "Île-de-France"},
    )
    paths = paths_by_region(parse(svg))
    idf = paths["11"]
    title = idf.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Île-de-France : 2 lauréats, 1\xa0500\xa0000,00 €"
    assert idf.attrib["aria-label"] == title.text
    reunion = paths["04"].find(f"{SVG}title")
    assert reunion is not None
    assert reunion.text == "La Réunion : 1 lauréat"
    corse = paths["94"].find(f"{SVG}title")
    assert corse is not None
    assert corse.text == "Corse : aucun lauréat"


def test_region_map_svg_escapes_names() -> None:
    root = parse(region_map_svg({"11": 1}, names={"11": 'Île "<de>" & France'}))
    title = paths_by_region(root)["11"].find(f"{SVG}title")
    assert title is not None
    assert title.text == 'Île "<de>" & France : 1 lauréat'


def test_region_map_svg_legend_lists_classes() -> None:
    root = parse(region_map_svg({"76": 12, "11": 1}))
    legend = next(g for g in root.iter(f"{SVG}g") if g.attrib.get("class") == "laureat-map__legend")
    labels = [t.text for t in legend.iter(f"{SVG}text")]
    assert labels == [
        "Nombre de lauréats",
        "0 lauréat",
        "1 à 3",
        "4 à 5",
        "6 à 8",
        "9 à 10",
        "11 à 12",
    ]


def test_legend_classes_cover_one_to_maximum() -> None:
    assert legend_classes(0) == []
    assert [(c.low, c.high) for c in legend_classes(3)] == [(1, 1), (2, 2), (3, 3)]
    classes = legend_classes(41)
    assert (classes[0].low, classes[-1].high) == (1, 41)
    assert all(a.high + 1 == b.low for a, b in itertools.pairwise(classes))
    assert len({c.fill for c in classes}) == len(classes)


def test_geometry_file_is_small_and_complete() -> None:
    assert GEOMETRY_FILE.stat().st_size < 150_000
    assert set(geometry()["regions"]) == ALL_REGIONS
