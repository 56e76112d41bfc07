"""Build the committed geography files of ``laureat.territories`` from the COG sources.

Usage (from the repository root)::

    .venv/bin/python scripts/build_geography.py [SOURCE_DIR]

``SOURCE_DIR`` (default ``../shared/data/geo``, relative to the repository root)
holds ``cog2026-regions.json``, ``cog2026-departements.json`` and
``cog2026-communes.json.gz`` from the npm package
``@etalab/decoupage-administratif@6.0.0``.

Writes, in ``src/laureat/territories/data/``:

- ``regions.csv``: code,name,overseas
- ``departments.csv``: code,name,region,overseas
- ``communes.csv.gz``: code,name,department,postal_codes,population

Kept: the 13 metropolitan and 5 overseas (DROM) regions, their 101 departments,
and the current communes (``type == "commune-actuelle"``) of those departments.
Collectivités d'outre-mer (zone ``com``), delegated and associated communes and
municipal arrondissements are dropped. The output is deterministic: rows sorted by
code, ``\\n`` line endings, gzip header without file name and with mtime 0.
"""

import argparse
import csv
import gzip
import io
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "data" / "geo"
OUTPUT_DIR = REPO_ROOT / "src" / "laureat" / "territories" / "data"

KEPT_ZONES = {"metro", "drom"}
EXPECTED_REGIONS = 18
EXPECTED_DEPARTMENTS = 101


def _load_json(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)
    return data


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    print(f"{path}: {len(content):,} bytes")


def _gzip(content: bytes) -> bytes:
    buffer = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header identical from run to run.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(content)
    return buffer.getvalue()


def build(source: Path, output: Path) -> dict[str, int]:
    regions = [r for r in _load_json(source / "cog2026-regions.json") if r["zone"] in KEPT_ZONES]
    departments = [
        d for d in _load_json(source / "cog2026-departements.json") if d["zone"] in KEPT_ZONES
    ]
    region_codes = {r["code"] for r in regions}
    department_codes = {d["code"] for d in departments}
    if len(regions) != EXPECTED_REGIONS or len(departments) != EXPECTED_DEPARTMENTS:
        raise SystemExit(f"unexpected counts: {len(regions)} regions, {len(departments)} depts")
    if not {d["region"] for d in departments} <= region_codes:
        raise SystemExit("a department refers to an unknown region")

    communes = [
        c
        for c in _load_json(source / "cog2026-communes.json.gz")
        if c["type"] == "commune-actuelle" and c["departement"] in department_codes
    ]
    if len({c["code"] for c in communes}) != len(communes):
        raise SystemExit("duplicate commune codes")

    output.mkdir(parents=True, exist_ok=True)
    _write(
        output / "regions.csv",
        _csv_bytes(
            ["code", "name", "overseas"],
            (
                [r["code"], r["nom"], int(r["zone"] == "drom")]
                for r in sorted(regions, key=lambda r: r["code"])
            ),
        ),
    )
    _write(
        output / "departments.csv",
        _csv_bytes(
            ["code", "name", "region", "overseas"],
            (
                [d["code"], d["nom"], d["region"], int(d["zone"] == "drom")]
                for d in sorted(departments, key=lambda d: d["code"])
            ),
        ),
    )
    _write(
        output / "communes.csv.gz",
        _gzip(
            _csv_bytes(
                ["code", "name", "department", "postal_codes", "population"],
                (
                    [
                        c["code"],
                        c["nom"],
                        c["departement"],
                        " ".join(sorted(set(c.get("codesPostaux", [])))),
                        "" if c.get("population") is None else c["population"],
                    ]
                    for c in sorted(communes, key=lambda c: c["code"])
                ),
            )
        ),
    )
    return {"regions": len(regions), "departments": len(departments), "communes": len(communes)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help="directory holding the cog2026-*.json files (default: ../shared/data/geo)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    counts = build(args.source.resolve(), args.output.resolve())
    print(", ".join(f"{count:,} {name}" for name, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
