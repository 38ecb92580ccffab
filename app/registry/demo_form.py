"""The demo's monitoring form that picks its service from the registry, built from the seed form.

The seed monitoraggio_servizi.xlsx (shared/domain/forms, read and never changed) asks for the type of
service and types the service's name. This variant, `monitoraggio_servizi_registro`, asks after the type for
the service itself: `select_one_from_file servizi.csv` named codice_servizio, offering only the registered
services of the type chosen (servizi.csv carries the form's code of each kind, app/registry/rules.py), and
its name is then the registry's (`jr:choice-name`). Reports name their service by code, so a reporting cycle
by service files each one in its service's slot, and the service's page lists them. servizi.csv is served by
the registry with the services in the filler's scope (app/registry/datasets.py): nothing to upload.
Every other question is the seed's, with the same names, so its answers read like the seed's.
"""

from io import BytesIO

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

FORM_ID = "monitoraggio_servizi_registro"
FILENAME = f"{FORM_ID}.xlsx"
TITLE = "HUMUS - Monitoraggio servizi del registro (CSF, CAP, Centri diurni, ADE)"
IT, EN = "Italiano (it)", "English (en)"
SERVICE_ROW = {
    "type": "select_one_from_file servizi.csv",
    "name": "codice_servizio",
    f"label::{IT}": "Servizio monitorato (dal registro dei servizi)",
    f"label::{EN}": "Monitored service (from the services registry)",
    f"hint::{IT}": "Sono elencati i servizi registrati della tipologia scelta, nel proprio territorio",
    f"hint::{EN}": "The registered services of the chosen type, in your territory",
    "required": "yes",
    f"required_message::{IT}": "Campo obbligatorio",
    f"required_message::{EN}": "This field is required",
    "choice_filter": "tipo_servizio=${tipo_servizio}",
}
NAME_ROW = {"type": "calculate", "calculation": "jr:choice-name(${codice_servizio}, '${codice_servizio}')"}


def registry_monitoring_xlsform(seed: bytes) -> bytes:
    """The variant of the seed monitoring form (its .xlsx bytes) that picks the service from servizi.csv."""
    book = load_workbook(BytesIO(seed))
    survey = book["survey"]
    header = [cell.value for cell in survey[1]]
    names = [row[header.index("name")] for row in survey.iter_rows(min_row=1, values_only=True)]
    after = names.index("tipo_servizio") + 1  # 0-based row index of tipo_servizio, so its 1-based number
    survey.insert_rows(after + 1)
    _write(survey, header, after + 1, SERVICE_ROW)
    named = names.index("denominazione_servizio") + 2  # one row lower now
    for column in range(1, len(header) + 1):
        survey.cell(named, column).value = None
    _write(survey, header, named, {"name": "denominazione_servizio", **NAME_ROW})
    settings = book["settings"]
    keys = [cell.value for cell in settings[1]]
    settings.cell(2, keys.index("form_id") + 1).value = FORM_ID
    settings.cell(2, keys.index("form_title") + 1).value = TITLE
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet: Worksheet, header: list[object], row: int, values: dict[str, str]) -> None:
    for name, value in values.items():
        sheet.cell(row, header.index(name) + 1).value = value
