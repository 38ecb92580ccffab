"""`flask --app wsgi humus load-population FILE.csv`: resident population for rates per 1,000 minors.

The file has the columns org_unit (its code), year, sex ("m", "f" or empty for both), age_band (empty for
every age, or a band as analysis.periods.band_label writes it, "0-2") and count. It loads whole or not at
all: every bad row is reported (row, column, reason) and nothing is stored. A figure already loaded for the
same org unit, year, sex and age band gets the new count.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import OrgUnit, PopulationFigure

COLUMNS = ("org_unit", "year", "sex", "age_band", "count")
SEXES = ("", "m", "f")
BAND = re.compile(r"^(\d{1,3})-(\d{1,3})$")
MAX_BYTES = 20 * 1024 * 1024
FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)

Key = tuple[int, int, str, str]  # org unit id, year, sex, age band


@dataclass(frozen=True)
class RowProblem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return _(
            "Row %(row)d, column %(column)s: %(reason)s", row=self.row, column=self.column, reason=self.reason
        )


def register(group: AppGroup) -> None:
    """Attach load-population to the humus group (AppGroup runs it inside the application context)."""
    group.command("load-population")(load_population)


@click.argument("file", type=FILE)
def load_population(file: Path) -> None:
    """Load resident population figures (org_unit, year, sex, age_band, count) from a CSV file."""
    with file.open("rb") as handle:
        content = handle.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise click.ClickException(_("Nothing was changed.") + "\n" + _("The file is too large."))
    figures, problems = read_population(content)
    if problems:
        lines = "\n".join(str(problem) for problem in problems)
        raise click.ClickException(_("Nothing was changed.") + "\n" + lines)
    added, updated = store_population(figures)
    click.echo(_("Population figures: %(added)d added, %(updated)d updated.", added=added, updated=updated))


def read_population(content: bytes) -> tuple[dict[Key, int], list[RowProblem]]:
    """The figures of a CSV file by their key, and what is wrong with its rows."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}, [RowProblem(1, "-", _("the file is not UTF-8 text."))]
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","  # as Italian spreadsheets save CSV
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return {}, [RowProblem(1, name, _("this column is missing.")) for name in missing]
    reader.fieldnames = header
    units = {code: unit_id for code, unit_id in db.session.execute(select(OrgUnit.code, OrgUnit.id))}
    figures: dict[Key, int] = {}
    rows: dict[Key, int] = {}
    problems: list[RowProblem] = []
    for number, raw in enumerate(reader, start=2):
        found = _row(number, raw, units, problems)
        if found is None:
            continue
        key, count = found
        if key in rows:
            problems.append(
                RowProblem(number, "org_unit", _("the same figure is on row %(row)d.", row=rows[key]))
            )
            continue
        rows[key], figures[key] = number, count
    if not figures and not problems:
        problems.append(RowProblem(2, "-", _("the file has no figures.")))
    return figures, problems


def _row(
    number: int, raw: dict[str, str | None], units: dict[str, int], problems: list[RowProblem]
) -> tuple[Key, int] | None:
    values = {name: (raw.get(name) or "").strip() for name in COLUMNS}
    before = len(problems)
    unit = units.get(values["org_unit"])
    if unit is None:
        reason = _("no org unit has the code “%(code)s”.", code=values["org_unit"][:40])
        problems.append(RowProblem(number, "org_unit", reason))
    year = _whole(values["year"])
    if year is None or not 1900 <= year <= 2100:
        problems.append(RowProblem(number, "year", _("a year such as 2025 is expected.")))
    sex = values["sex"].lower()
    if sex not in SEXES:
        problems.append(RowProblem(number, "sex", _("“m”, “f” or empty (both sexes) is expected.")))
    band = values["age_band"]
    if band and not _is_band(band):
        problems.append(RowProblem(number, "age_band", _("an age band such as 0-2, or empty, is expected.")))
    count = _whole(values["count"])
    if count is None or count < 0:
        problems.append(RowProblem(number, "count", _("a whole number, 0 or more, is expected.")))
    if len(problems) > before or unit is None or year is None or count is None:
        return None
    return (unit, year, sex, band), count


def _whole(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


def _is_band(text: str) -> bool:
    """A band as analysis.periods.band_label writes it: "low-high", low not above high."""
    match = BAND.match(text)
    return match is not None and int(match[1]) <= int(match[2])


def store_population(figures: dict[Key, int]) -> tuple[int, int]:
    """Add the figures, or update the count of those already loaded; (added, updated)."""
    years = {key[1] for key in figures}
    existing = {
        (row.org_unit_id, row.year, row.sex or "", row.age_band or ""): row
        for row in db.session.scalars(select(PopulationFigure).where(PopulationFigure.year.in_(years)))
    }
    added = updated = 0
    for (unit, year, sex, band), count in figures.items():
        row = existing.get((unit, year, sex, band))
        if row is None:
            db.session.add(PopulationFigure(org_unit_id=unit, year=year, sex=sex, age_band=band, count=count))
            added += 1
        elif row.count != count:
            row.count = count
            updated += 1
    audit.record("population.loaded", added=added, updated=updated, years=sorted(years))
    db.session.commit()
    return added, updated
