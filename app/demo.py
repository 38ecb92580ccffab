"""`humus demo`: a demo project, the Puglia territory with a few Ambiti, and one account per role."""

import os
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app import accounts
from app.auth.services import find_user_by_email
from app.demo_cases import load_demo_cases
from app.demo_forms import DEFAULT_FORMS, load_demo_forms
from app.extensions import db
from app.models import Project, Role, User
from app.programme.demo import load_demo_programme
from app.registry.demo import demo_services
from app.territory import csvfile, services
from app.territory.tree import TerritoryError, find_by_code
from app.training.demo import load_demo_training
from app.transcripts.demo import load_demo_transcripts

DEFAULT_TERRITORY = Path(__file__).resolve().parents[2] / "shared" / "domain" / "puglia_territory.csv"
DEMO_PASSWORD = "Humus-demo-2026"  # noqa: S105 - printed on purpose: these are demo accounts
PROJECT_CODE = "humus"

# Ambiti whose membership is documented in public sources (see shared/domain/SOURCES.md) or is the
# city itself; the rest of the comuni stay directly under their province until an admin assigns them.
DEMO_AMBITI = {
    ("ATS-BARI", "Ambito Territoriale di Bari"): ["072006"],
    ("ATS-LECCE", "Ambito Territoriale di Lecce"): [
        "075035",
        "075007",
        "075020",
        "075036",
        "075038",
        "075048",
        "075068",
        "075071",
        "075083",
        "075093",
    ],
    ("ATS-BR1", "Ambito Territoriale BR/1"): ["074001", "074017"],
    ("ATS-TA2", "Ambito Territoriale TA/2"): ["073015", "073019", "073021", "073029"],
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    org_unit: str | None  # None: the whole network
    what: str


DEMO_ACCOUNTS = (
    DemoAccount("admin@humus.demo", "Anna Amministratrice", Role.ADMIN, None, "whole network"),
    DemoAccount("admin.lecce@humus.demo", "Luca Leccese", Role.ADMIN, "075", "province of Lecce"),
    DemoAccount("ricerca@humus.demo", "Rita Ricercatrice", Role.RESEARCHER, None, "whole network"),
    DemoAccount("operatore.bari@humus.demo", "Olga Operatrice", Role.OPERATOR, "ATS-BARI", "Ambito di Bari"),
    DemoAccount(
        "operatore.lecce@humus.demo", "Oscar Operatore", Role.OPERATOR, "ATS-LECCE", "Ambito di Lecce"
    ),
    DemoAccount("valutazione@humus.demo", "Vera Valutatrice", Role.EVALUATOR, None, "whole network"),
    DemoAccount("coordinamento@humus.demo", "Carlo Coordinatore", Role.VIEWER, "16", "Regione Puglia"),
)


def register(group: AppGroup) -> None:
    """Attach the demo command to the humus group."""
    group.command("demo")(demo)


@click.option(
    "--territory",
    "territory_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="ISTAT territory CSV (default: $HUMUS_TERRITORY_FILE or ../shared/domain/puglia_territory.csv).",
)
def demo(territory_file: Path | None) -> None:
    """Load demo data; running it again changes nothing."""
    path = territory_file or Path(os.environ.get("HUMUS_TERRITORY_FILE") or DEFAULT_TERRITORY)
    if not path.is_file():
        raise click.ClickException(f"Territory file not found: {path}. Pass --territory FILE.csv.")
    try:
        load_demo(path.read_bytes())
    except (TerritoryError, accounts.AccountError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    _print_accounts()


def load_demo(territory_csv: bytes) -> Project:
    """Create (or find) the demo project, territory, Ambiti and accounts."""
    services.load_territory(csvfile.parse_territory_file(territory_csv))
    services.assign_ambiti(csvfile.parse_assignment_file(_assignment_csv()))
    project = _demo_project()
    for account in DEMO_ACCOUNTS:
        _ensure_account(account, project)
    db.session.commit()
    forms_dir = Path(os.environ.get("HUMUS_FORMS_DIR") or DEFAULT_FORMS)
    load_demo_forms(project, forms_dir, territory_csv)
    load_demo_cases(project)
    demo_services()
    load_demo_training(project)
    load_demo_transcripts(project)
    load_demo_programme(project)
    db.session.commit()
    return project


def _assignment_csv() -> bytes:
    lines = ["istat_code,ambito,ambito_name"]
    for (code, name), comuni in DEMO_AMBITI.items():
        lines.extend(f"{istat},{code},{name}" for istat in comuni)
    return ("\n".join(lines) + "\n").encode()


def _demo_project() -> Project:
    project = db.session.scalars(select(Project).where(Project.code == PROJECT_CODE)).first()
    if project is None:
        project = Project(
            code=PROJECT_CODE,
            name="HUMUS Puglia",
            description="Monitoraggio e valutazione dei servizi per famiglie e minori (demo).",
        )
        db.session.add(project)
        db.session.flush()
    return project


def _ensure_account(account: DemoAccount, project: Project) -> User:
    user = find_user_by_email(account.email)
    unit = find_by_code(account.org_unit) if account.org_unit else None
    if user is None:
        user = accounts.create_user(
            account.email, DEMO_PASSWORD, name=account.name, org_unit_id=unit.id if unit else None
        )
    accounts.grant_role(user, account.role, unit, project)
    return user


def _print_accounts() -> None:
    click.echo("")
    click.echo("Humus demo is ready. Sign in at http://127.0.0.1:5000 with any of these accounts")
    click.echo(f"(password for all: {DEMO_PASSWORD}):")
    click.echo("")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<30} {account.role:<11} {account.what}")
    click.echo("")
