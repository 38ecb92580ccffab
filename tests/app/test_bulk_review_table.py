"""Reviewers tick submissions in the table and set their review state at once; others see no checkboxes."""

import re

from app.extensions import db
from app.models import Submission
from tests.app.test_exports_app import _own_instance_folder, setup  # noqa: F401 - fixtures shared with exports
from tests.conftest import csrf_token, login


def test_a_reviewer_ticks_rows_in_the_table_and_approves_them(app, client, setup):  # noqa: F811
    form_id, _tokens = setup
    login(client, "rita@example.org")
    page = client.get(f"/forms/{form_id}/submissions").get_data(as_text=True)
    ids = re.findall(r'name="ids" value="(\d+)" form="bulk-review"', page)
    action = re.search(r'<form id="bulk-review" method="post" action="([^"]+)"', page).group(1)

    response = client.post(
        action, data={"csrf_token": csrf_token(client), "ids": ids[:2], "state": "approved"}
    )

    assert len(ids) == 3 and response.status_code == 302
    with app.app_context():
        states = sorted(row.review_state for row in db.session.query(Submission))
    assert states == ["approved", "approved", "received"]


def test_an_operator_sees_no_checkboxes(client, setup):  # noqa: F811
    form_id, _tokens = setup
    login(client, "op.bari@example.org")

    page = client.get(f"/forms/{form_id}/submissions").get_data(as_text=True)

    assert 'form="bulk-review"' not in page and 'id="bulk-review"' not in page
