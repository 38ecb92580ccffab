"""Benchmark: the entity list CSV served to forms, for 50,000 entities; target ≤ 2 s.

Baseline, measured in the same run: the same rows already laid out as plain tuples, written with
csv.writer to a StringIO and encoded (the floor any CSV of this data costs).
Run: .venv/bin/python bench/bench_entity_csv.py
"""

import csv
import io
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median_ms, timed  # noqa: E402
from forms.entity_datasets import entity_csv  # noqa: E402
from forms.entity_versions import EntityState  # noqa: E402

TARGET_MS = 2000.0
ENTITIES = 50_000
PROPERTIES = [
    "codice",
    "sesso",
    "anno_nascita",
    "fascia_eta",
    "comune_istat",
    "ambito",
    "data_presa_in_carico",
]


def minors(count: int) -> list[EntityState]:
    """Entities shaped like the cartella sociale's minors, with every property set."""
    found = []
    for n in range(count):
        values = {
            "codice": f"LE{2025}A{n:06d}",
            "sesso": "mf"[n % 2],
            "anno_nascita": str(2004 + n % 21),
            "fascia_eta": ("0_2", "3_5", "6_10", "11_13", "14_17", "18_21")[n % 6],
            "comune_istat": f"075{n % 97:03d}",
            "ambito": f"Ambito di Lecce, {n % 10}",  # a comma, so some cells are quoted
            "data_presa_in_carico": f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
        }
        label = f"{values['codice']} ({values['sesso']}, {values['anno_nascita']})"
        found.append(EntityState("minori", str(uuid.UUID(int=n, version=4)), label, n % 5 + 1, values))
    return found


def floor(table: list[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def main() -> None:
    entities = minors(ENTITIES)
    header = ("name", "label", "__version", *PROPERTIES)
    table = [header] + [(e.id, e.label, e.version, *(e.properties[p] for p in PROPERTIES)) for e in entities]
    assert entity_csv(entities, PROPERTIES) == floor(table), "both must write the same bytes"

    ours = timed(lambda: entity_csv(entities, PROPERTIES), repeat=10)
    baseline = timed(lambda: floor(table), repeat=10)

    print(f"entity list CSV of {ENTITIES:,} entities, {len(PROPERTIES)} properties (median of 10 runs)")
    print(f"  humus entity_csv          : {median_ms(ours):8.1f} ms   target ≤ {TARGET_MS:.0f} ms")
    print(f"  baseline: tuples to csv   : {median_ms(baseline):8.1f} ms")
    print(f"  ratio                     : {median_ms(ours) / median_ms(baseline):8.2f}x the floor")
    print(f"  verdict                   : {'PASS' if median_ms(ours) <= TARGET_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
