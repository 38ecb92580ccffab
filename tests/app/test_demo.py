"""`humus demo` loads the territory, a few Ambiti and one account per role, and can run twice."""

from sqlalchemy import func, select

from app.demo import DEFAULT_TERRITORY, DEMO_PASSWORD
from app.extensions import db
from app.models import AuditEvent, OrgUnit, Project, Role, RoleAssignment, User
from tests.conftest import login


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (OrgUnit, User, RoleAssignment, Project)
        }


def test_demo_creates_one_account_per_role_over_the_puglia_territory(app):
    result = app.test_cli_runner().invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])

    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    with app.app_context():
        roles = set(db.session.scalars(select(RoleAssignment.role)))
        comuni = db.session.scalar(select(func.count()).where(OrgUnit.kind == "comune"))
        lecce = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "ATS-LECCE")).one()
        assert roles == {r.value for r in Role}
        assert comuni == 257
        assert len([c for c in lecce.children if c.kind == "comune"]) == 10


def test_running_the_demo_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])
    before = _counts(app)

    again = runner.invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])

    assert again.exit_code == 0, again.output
    assert _counts(app) == before


def test_a_demo_operator_can_sign_in_and_sees_their_ambito(app, client):
    app.test_cli_runner().invoke(args=["humus", "demo", "--territory", str(DEFAULT_TERRITORY)])

    login(client, "operatore.bari@humus.demo", DEMO_PASSWORD)
    home = client.get("/")

    assert home.status_code == 200
    assert "Ambito Territoriale di Bari" in home.get_data(as_text=True)


def test_demo_with_a_missing_territory_file_fails_clearly_and_stores_nothing(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["humus", "demo", "--territory", str(tmp_path / "none.csv")])

    assert result.exit_code != 0 and "none.csv" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
