"""A scenario's database: the seeded app of the benchmarks, plus what the mixed workload needs.

On top of bench/common.py's seeded_app (operator with an API token, the monitoring form): device credentials
for the operator's "ODK Collect", one stored report whose instance XML is the template of the OpenRosa
submissions, and optionally earlier reports (copies of it) so that the pages L2 reads have rows to show.
"""

import uuid
from dataclasses import dataclass

from bench.common import OPERATOR, PASSWORD, monitoring_answers, seeded_app

XML_INSTANCE_ID = "uuid:00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Seeded:
    form_id: int
    token: str
    device_username: str
    device_password: str
    xml_template: str

    def locust_config(self) -> dict[str, object]:
        return {
            "form_id": self.form_id,
            "token": self.token,
            "answers": monitoring_answers(),
            "web_email": OPERATOR,
            "web_password": PASSWORD,
            "device_username": self.device_username,
            "device_password": self.device_password,
            "xml_template": self.xml_template,
            "xml_instance_id": XML_INSTANCE_ID,
        }


def prepare(url: str, folder: str, earlier_reports: int = 0) -> Seeded:
    """Seed the database at `url`; `earlier_reports` copies of the template report are stored beforehand."""
    from app.auth.services import find_user_by_email
    from app.extensions import db
    from app.openrosa.credentials import issue_credential

    app, form_id, token = seeded_app(url, folder)
    with app.app_context():
        issued = issue_credential(find_user_by_email(OPERATOR), "load")
        username = issued.credential.username
        db.session.commit()
    template = _template_report(app, form_id, token)
    _copy_report(app, form_id, earlier_reports)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return Seeded(form_id, token, username, issued.password, template)


def _template_report(app, form_id: int, token: str) -> str:  # noqa: ANN001 - a Flask app
    """Store one report through the API; its instance XML, with a placeholder instanceID."""
    from app.extensions import db
    from app.models import Submission

    client = app.test_client()
    body = {"instanceID": XML_INSTANCE_ID, "data": monitoring_answers()}
    answer = client.post(
        f"/api/v1/forms/{form_id}/submissions", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    if answer.status_code != 201:
        raise RuntimeError(f"the template report answered {answer.status_code}: {answer.data[:1000]!r}")
    with app.app_context():
        return db.session.query(Submission.xml).filter_by(instance_id=XML_INSTANCE_ID).scalar()


def _copy_report(app, form_id: int, count: int) -> None:  # noqa: ANN001 - a Flask app
    """Insert `count` copies of the template report with new instanceIDs, in one go (no engine, no audit)."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import Submission

    if not count:
        return
    table = Submission.__table__
    with app.app_context():
        row = db.session.execute(select(table).where(table.c.instance_id == XML_INSTANCE_ID)).one()._asdict()
        del row["id"]
        copies = []
        for _ in range(count):
            instance_id = f"uuid:{uuid.uuid4()}"
            copies.append(
                {**row, "instance_id": instance_id, "xml": row["xml"].replace(XML_INSTANCE_ID, instance_id)}
            )
        db.session.execute(insert(table), copies)
        db.session.commit()
