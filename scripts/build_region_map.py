"""Build the compact region map of ``laureat.reporting`` from the france-geojson sources.

Usage (from the repository root)::

    .venv/bin/python scripts/build_region_map.py [SOURCE_DIR]

``SOURCE_DIR`` (default ``../shared/data/geo``, relative to the repository root)
holds, from GitHub ``gregoiredavid/france-geojson`` @ ``5d34ee6`` (IGN Admin
Express COG 2018, Licence Ouverte):

- ``france-geojson-regions-version-simplifiee.geojson``: the 13 metropolitan regions;
- ``france-geojson-departements-drom-extrait.geojson``: the 5 overseas departments
  (971, 972, 973, 974, 976), each of which is also a region (01, 02, 03, 04, 06).

Writes ``src/laureat/reporting/data/regions-map.json``: SVG path data in a fixed
canvas of ``WIDTH`` x ``HEIGHT`` user units, ready to be drawn by
``laureat.reporting.map.region_map_svg``:

- metropolitan France in a Lambert conformal conic projection on a sphere (the
  parameters of Lambert-93: standard parallels 44° and 49°, origin 46.5° N, 3° E),
  fitted into the right-hand part of the canvas;
- each overseas region in its own inset box (a column on the left), in a local
  equirectangular projection (longitudes scaled by the cosine of the mean latitude),
  each inset at its own scale;
- rings simplified with Douglas-Peucker (``TOLERANCE`` user units), rings smaller
  than ``MIN_AREA`` square units dropped (islets; the largest ring of each region is
  always kept), coordinates rounded to one decimal.

The output is deterministic (sorted keys, fixed rounding), about 40 kB.
"""

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "data" / "geo"
OUTPUT = REPO_ROOT / "src" / "laureat" / "reporting" / "data" / "regions-map.json"

METRO_FILE = "france-geojson-regions-version-simplifiee.geojson"
DROM_FILE = "france-geojson-departements-drom-extrait.geojson"

# Department code of each overseas region -> region code (COG).
DROM_REGIONS = {"971": "01", "972": "02", "973": "03", "974": "04", "976": "06"}

WIDTH = 600
HEIGHT = 560
# Metropolitan France: the box it is fitted into (x, y, width, height).
METRO_BOX = (122.0, 6.0, 472.0, 548.0)
# Overseas insets: a column of boxes on the left, a label line at the top of each.
INSET_X = 6.0
INSET_Y = 6.0
INSET_W = 100.0
INSET_H = 100.0
INSET_GAP = 12.0
INSET_LABEL_H = 16.0
INSET_PAD = 6.0

TOLERANCE = 0.45
MIN_AREA = 1.5

Point = tuple[float, float]
Ring = list[Point]


def lambert_projector() -> Any:
    """Spherical Lambert conformal conic with the parameters of Lambert-93."""
    phi1, phi2, phi0 = (math.radians(v) for v in (44.0, 49.0, 46.5))
    lon0 = math.radians(3.0)

    def t(phi: float) -> float:
        return math.tan(math.pi / 4 + phi / 2)

    n = math.log(math.cos(phi1) / math.cos(phi2)) / math.log(t(phi2) / t(phi1))
    f = math.cos(phi1) * t(phi1) ** n / n
    rho0 = f / t(phi0) ** n

    def project(lon: float, lat: float) -> Point:
        rho = f / t(math.radians(lat)) ** n
        theta = n * (math.radians(lon) - lon0)
        # y grows downwards in SVG.
        return rho * math.sin(theta), -(rho0 - rho * math.cos(theta))

    return project


def polygons_of(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unexpected geometry {geometry['type']}")


def ring_area(ring: Ring) -> float:
    return 0.5 * abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))
    )


def ring_centroid(ring: Ring) -> Point:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        xs, ys = zip(*ring, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    return cx / (3 * a), cy / (3 * a)


def douglas_peucker(points: Ring, tolerance: float) -> Ring:
    """Iterative Douglas-Peucker on an open polyline (first and last points kept)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        (x0, y0), (x1, y1) = points[start], points[end]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(start + 1, end):
            px, py = points[i]
            if norm == 0:
                dist = math.hypot(px - x0, py - y0)
            else:
                dist = abs(dy * px - dx * py + x1 * y0 - y1 * x0) / norm
            if dist > best:
                best, index = dist, i
        if index != -1 and best > tolerance:
            keep[index] = True
            stack.append((start, index))
            stack.append((index, end))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_ring(ring: Ring) -> Ring:
    """Simplify a closed ring: split at the point farthest from the first one."""
    if ring and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 4:
        return ring
    x0, y0 = ring[0]
    far = max(range(len(ring)), key=lambda i: math.hypot(ring[i][0] - x0, ring[i][1] - y0))
    first = douglas_peucker(ring[: far + 1], TOLERANCE)
    second = douglas_peucker([*ring[far:], ring[0]], TOLERANCE)
    return first[:-1] + second[:-1]


def fmt(value: float) -> str:
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def path_data(rings: list[Ring]) -> str:
    """SVG path data: absolute moveto, implicit linetos, closepath."""
    parts = []
    for ring in rings:
        coords = " ".join(f"{fmt(x)},{fmt(y)}" for x, y in ring)
        parts.append(f"M{coords}Z")
    return "".join(parts)


def fit(
    polygons: list[list[Ring]], box: tuple[float, float, float, float]
) -> tuple[list[list[Ring]], float]:
    """Scale and translate projected polygons to be centred in ``box``; returns the scale."""
    xs = [x for poly in polygons for ring in poly for x, _ in ring]
    ys = [y for poly in polygons for ring in poly for _, y in ring]
    bx, by, bw, bh = box
    scale = min(bw / (max(xs) - min(xs)), bh / (max(ys) - min(ys)))
    ox = bx + (bw - (max(xs) - min(xs)) * scale) / 2 - min(xs) * scale
    oy = by + (bh - (max(ys) - min(ys)) * scale) / 2 - min(ys) * scale
    fitted = [
        [[(x * scale + ox, y * scale + oy) for x, y in ring] for ring in poly] for poly in polygons
    ]
    return fitted, scale


def shape(polygons: list[list[Ring]]) -> tuple[str, Point]:
    """Path data of simplified rings (islets dropped) and a label point (largest ring)."""
    outer = [poly[0] for poly in polygons]
    largest = max(outer, key=ring_area)
    kept: list[Ring] = []
    for poly in polygons:
        for position, ring in enumerate(poly):
            simplified = simplify_ring(ring)
            if len(simplified) < 3:
                continue
            is_largest = position == 0 and ring is largest
            if not is_largest and ring_area(simplified) < MIN_AREA:
                continue
            kept.append(simplified)
    cx, cy = ring_centroid(simplify_ring(largest))
    return path_data(kept), (round(cx, 1), round(cy, 1))


def build(source: Path) -> dict[str, Any]:
    metro = json.loads((source / METRO_FILE).read_text(encoding="utf-8"))
    drom = json.loads((source / DROM_FILE).read_text(encoding="utf-8"))
    project = lambert_projector()

    features = sorted(metro["features"], key=lambda f: f["properties"]["code"])
    per_feature = [
        [
            [[project(lon, lat) for lon, lat in ring] for ring in poly]
            for poly in polygons_of(f["geometry"])
        ]
        for f in features
    ]
    # One scale for the whole of metropolitan France, then split back per region.
    fitted, _scale = fit([poly for polys in per_feature for poly in polys], METRO_BOX)
    regions: dict[str, Any] = {}
    offset = 0
    for feature, polys in zip(features, per_feature, strict=True):
        d, label = shape(fitted[offset : offset + len(polys)])
        offset += len(polys)
        regions[feature["properties"]["code"]] = {
            "name": feature["properties"]["nom"],
            "overseas": False,
            "d": d,
            "label": label,
        }

    drom_features = sorted(drom["features"], key=lambda f: DROM_REGIONS[f["properties"]["code"]])
    for index, feature in enumerate(drom_features):
        code = DROM_REGIONS[feature["properties"]["code"]]
        box_y = INSET_Y + index * (INSET_H + INSET_GAP)
        polys = polygons_of(feature["geometry"])
        lats = [lat for poly in polys for ring in poly for _, lat in ring]
        k = math.cos(math.radians((min(lats) + max(lats)) / 2))
        local = [[[(lon * k, -lat) for lon, lat in ring] for ring in poly] for poly in polys]
        inner = (
            INSET_X + INSET_PAD,
            box_y + INSET_LABEL_H,
            INSET_W - 2 * INSET_PAD,
            INSET_H - INSET_LABEL_H - INSET_PAD,
        )
        fitted, _ = fit(local, inner)
        d, label = shape(fitted)
        regions[code] = {
            "name": feature["properties"]["nom"],
            "overseas": True,
            "d": d,
            "label": label,
            "box": [INSET_X, box_y, INSET_W, INSET_H],
        }
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "source": (
            "IGN Admin Express COG 2018 via github.com/gregoiredavid/france-geojson @ 5d34ee6, "
            "Licence Ouverte (Etalab); built by scripts/build_region_map.py"
        ),
        "regions": dict(sorted(regions.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args(argv)
    data = build(args.source)
    if len(data["regions"]) != 18:
        print(f"expected 18 regions, got {len(data['regions'])}", file=sys.stderr)
        return 1
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    OUTPUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)} ({len(text.encode()) / 1024:.1f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
