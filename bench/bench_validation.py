"""Benchmark (b): full server-side validation of a 200-field submission; target median ≤ 20 ms.

Baseline, measured in the same run: parsing the same submission's XML with defusedxml, the least any
server must do with it. Run: .venv/bin/python bench/bench_validation.py
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from defusedxml.ElementTree import fromstring  # noqa: E402

from bench.common import generated_xlsform, median_ms, timed  # noqa: E402
from forms import engine  # noqa: E402
from forms.instance import instance_from_data, instance_to_xml  # noqa: E402
from forms.spec_read import read_xform  # noqa: E402
from forms.xlsform import load_xlsform  # noqa: E402

TARGET_MS = 20.0


def answers(questions: int) -> dict[str, object]:
    values: dict[str, object] = {}
    for n in range(questions):
        kind = n % 5
        values[f"q{n}"] = (n, f"risposta {n}", "si", n + 0.5, "2026-11-23")[kind]
    return values


def main() -> None:
    spec = read_xform(load_xlsform(generated_xlsform(200), "bench.xlsx").xform)
    now = datetime.now(UTC)
    root = instance_from_data(spec, answers(200))
    xml = instance_to_xml(root)
    assert engine.validate(spec, root, now=now).valid, "the benchmark submission must be valid"

    ours = timed(lambda: engine.validate(spec, root, now=now), repeat=50)
    baseline = timed(lambda: fromstring(xml), repeat=50)

    print("validation of a 200-field submission (median of 50 runs)")
    print(f"  humus engine.validate : {median_ms(ours):8.2f} ms   target ≤ {TARGET_MS:.0f} ms")
    print(f"  baseline: parse only  : {median_ms(baseline):8.2f} ms")
    print(f"  ratio                 : {median_ms(ours) / median_ms(baseline):8.1f}x the parse")
    print(f"  verdict               : {'PASS' if median_ms(ours) <= TARGET_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
