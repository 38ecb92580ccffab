"""Benchmark (a): upload and publish of a 500-question XLSForm against pyxform's own conversion; ratio ≤ 1.5.

Ours is the whole upload service on a throw-away SQLite database: safety checks, conversion, FormSpec,
logic checks, storing the version and publishing it. The baseline, measured in the same run, is
pyxform's `convert` of the same bytes. The two are timed in interleaved rounds (the side going first
alternating), after a warm-up of each and each run from a collected heap, so a moment of load on the shared
machine moves one round, not the verdict; the figure is the median of the rounds' ratios.
Run: .venv/bin/python bench/bench_upload.py
"""

import gc
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyxform.xls2xform import convert  # noqa: E402

from bench.common import generated_xlsform, interleaved  # noqa: E402

TARGET_RATIO = 1.5
QUESTIONS = 500
ROUNDS = 9


def make_uploader(folder: str):
    from app import accounts, create_app
    from app.extensions import db
    from app.heap import settle_heap
    from app.models import Project
    from app.surveys import services

    config = {"TESTING": True, "SECRET_KEY": "b" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.db"}
    app = create_app(config)
    settle_heap()  # as wsgi.py does in production once the app is built
    with app.app_context():
        db.create_all()
        project = Project(code="bench", name="Bench")
        user = accounts.create_user("bench@example.org", "Misura-tempi-2026!")
        accounts.grant_role(user, "researcher", None, project)
        db.session.commit()
        user_id, project_id = user.id, project.id
    # Each run uploads a new form (same content, another id), generated before the clock starts.
    files = iter([generated_xlsform(QUESTIONS, form_id=f"bench{n}") for n in range(ROUNDS + 1)])

    def upload() -> None:
        data = next(files)
        with app.app_context():
            user, project = db.session.get(accounts.User, user_id), db.session.get(Project, project_id)
            services.upload_form(user, project, data, "b.xlsx")

    return upload


def seconds(action: Callable[[], object]) -> float:
    """One run, timed from a heap without garbage: each side pays the collections its own garbage causes, not
    the other's (a conversion leaves some 20,000 objects in reference cycles for the collector)."""
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    data = generated_xlsform(QUESTIONS)
    with tempfile.TemporaryDirectory() as folder:
        sides = (
            make_uploader(folder),
            lambda: convert(xlsform=io.BytesIO(data), file_type=".xlsx", form_name="data"),
        )
        for side in sides:
            side()  # warm-up
        rounds = interleaved(lambda: seconds(sides[0]), lambda: seconds(sides[1]), ROUNDS)
    ours = statistics.median(r[0] for r in rounds) * 1000
    baseline = statistics.median(r[1] for r in rounds) * 1000
    ratio = statistics.median(r[0] / r[1] for r in rounds)
    print(f"upload and publish of a {QUESTIONS}-question XLSForm ({ROUNDS} interleaved rounds, medians)")
    print(f"  humus upload + publish : {ours:8.1f} ms")
    print(f"  baseline: pyxform only : {baseline:8.1f} ms")
    print(f"  ratio                  : {ratio:8.2f}   median of rounds; target ≤ {TARGET_RATIO}")
    print(f"  rounds' ratios         : {', '.join(f'{r[0] / r[1]:.2f}' for r in rounds)}")
    print(f"  verdict                : {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")


if __name__ == "__main__":
    main()
