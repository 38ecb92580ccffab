"""Benchmark (a): upload and publish of a 500-question XLSForm against pyxform's own conversion; ratio ≤ 1.5.

Ours is the whole upload service on a throw-away SQLite database: safety checks, conversion, FormSpec,
logic checks, storing the version and publishing it. The baseline, measured in the same run, is
pyxform's `convert` of the same bytes. Run: .venv/bin/python bench/bench_upload.py
"""

import gc
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyxform.xls2xform import convert  # noqa: E402

from bench.common import generated_xlsform, median_ms, timed  # noqa: E402

TARGET_RATIO = 1.5
QUESTIONS = 500


def make_uploader(folder: str):
    from app import accounts, create_app
    from app.extensions import db
    from app.models import Project
    from app.surveys import services

    config = {"TESTING": True, "SECRET_KEY": "b" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.db"}
    app = create_app(config)
    gc.freeze()  # as wsgi.py does in production once the app is built
    with app.app_context():
        db.create_all()
        project = Project(code="bench", name="Bench")
        user = accounts.create_user("bench@example.org", "Misura-tempi-2026!")
        accounts.grant_role(user, "researcher", None, project)
        db.session.commit()
        user_id, project_id = user.id, project.id
    # Each run uploads a new form (same content, another id), generated before the clock starts.
    files = iter([generated_xlsform(QUESTIONS, form_id=f"bench{n}") for n in range(8)])

    def upload() -> None:
        data = next(files)
        with app.app_context():
            user, project = db.session.get(accounts.User, user_id), db.session.get(Project, project_id)
            services.upload_form(user, project, data, "b.xlsx")

    return upload


def main() -> None:
    data = generated_xlsform(QUESTIONS)
    with tempfile.TemporaryDirectory() as folder:
        upload = make_uploader(folder)
        ours = timed(upload, repeat=7)
    baseline = timed(lambda: convert(xlsform=io.BytesIO(data), file_type=".xlsx", form_name="data"), repeat=7)
    ratio = median_ms(ours) / median_ms(baseline)
    print(f"upload and publish of a {QUESTIONS}-question XLSForm (median of 7 runs)")
    print(f"  humus upload + publish : {median_ms(ours):8.1f} ms")
    print(f"  baseline: pyxform only : {median_ms(baseline):8.1f} ms")
    print(f"  ratio                  : {ratio:8.2f}   target ≤ {TARGET_RATIO}")
    print(f"  verdict                : {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")


if __name__ == "__main__":
    main()
