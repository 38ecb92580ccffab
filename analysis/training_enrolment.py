"""Reading a list of participants to enrol from a CSV file: code, name, role and years of service.

The header names the columns, in Italian or English (codice/code, nome/name, ruolo/role,
anni_servizio/years); the separator is ';' (Excel in an Italian locale), ',' or a tab. Every row is
checked and every problem reported with its line, so a file is either taken whole or not at all.
"""

import csv
import io
import re
from dataclasses import dataclass

from analysis.training import TrainingDataError, tier_for_years

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
CODE = re.compile(r"^[A-Z0-9-]{2,32}$")
MAX_YEARS = 60
_COLUMNS = {
    "codice": "code",
    "code": "code",
    "codice_operatore": "code",
    "nome": "name",
    "name": "name",
    "ruolo": "role",
    "role": "role",
    "anni_servizio": "years",
    "anni": "years",
    "years": "years",
    "years_of_service": "years",
}


@dataclass(frozen=True)
class EnrolmentRow:
    line: int
    code: str
    name: str
    role: str
    years: int
    tier: str


def read_enrolments(data: bytes) -> list[EnrolmentRow]:
    """The participants of a CSV file; TrainingDataError listing every problem (with its line) otherwise."""
    text = _text(data)
    lines = text.splitlines()
    if not lines:
        raise TrainingDataError("Il file è vuoto.", "The file is empty.")
    separator = max(";,\t", key=lines[0].count)
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = [_COLUMNS.get(name.strip().lower().replace(" ", "_"), "") for name in next(reader)]
    missing = {"code", "years"} - set(header)
    if missing:
        raise TrainingDataError(
            "Mancano le colonne obbligatorie: codice e anni_servizio.",
            "The required columns are missing: code and years.",
        )
    rows, problems = [], []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        try:
            rows.append(_row(line, values))
        except TrainingDataError as error:
            problems.append(error)
        if len(rows) + len(problems) > MAX_ROWS:
            raise TrainingDataError(f"Al massimo {MAX_ROWS} righe.", f"At most {MAX_ROWS} rows.")
    _refuse(problems, rows)
    return rows


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise TrainingDataError("Il file supera 1 MB.", "The file is larger than 1 MB.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TrainingDataError("Il file non è un testo leggibile.", "The file is not readable text.")


def _row(line: int, values: dict[str, str]) -> EnrolmentRow:
    code = "".join(values.get("code", "").split()).upper()
    if not CODE.match(code):
        raise TrainingDataError(
            f"Riga {line}: il codice {code!r} non è valido (lettere maiuscole, cifre e trattini, 2-32).",
            f"Line {line}: the code {code!r} is not valid (capital letters, digits and hyphens, 2-32).",
        )
    raw = values.get("years", "")
    if not raw.isdigit() or int(raw) > MAX_YEARS:
        raise TrainingDataError(
            f"Riga {line}: gli anni di servizio {raw!r} non sono un numero intero tra 0 e {MAX_YEARS}.",
            f"Line {line}: years of service {raw!r} are not a whole number from 0 to {MAX_YEARS}.",
        )
    years = int(raw)
    name, role = values.get("name", "")[:200], values.get("role", "")[:64]
    return EnrolmentRow(line, code, name, role, years, tier_for_years(years))


def _refuse(problems: list[TrainingDataError], rows: list[EnrolmentRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            problems.append(
                TrainingDataError(
                    f"Riga {row.line}: il codice {row.code} è già alla riga {seen[row.code]}.",
                    f"Line {row.line}: the code {row.code} is already on line {seen[row.code]}.",
                )
            )
        seen.setdefault(row.code, row.line)
    if problems:
        raise TrainingDataError(
            " ".join(p.italian for p in problems[:20]), " ".join(p.english for p in problems[:20])
        )
