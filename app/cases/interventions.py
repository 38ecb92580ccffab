"""Interventions and services activated for a case, read from the submissions that report them.

The intake form reports them in its `interventi` repeat, the follow-up form `aggiornamento_intervento` one
at a time in its `intervento` group, with the same field names; an import brings them as rows. Each is one
row per (case, type, start date): a later report of the same intervention updates its provider, end and
status, so the case page and the statistics always show its latest state.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import CaseIntervention, Entity, utcnow

__all__ = ["InterventionReport", "interventions_in", "record_interventions", "upsert_intervention"]

KIND, START = "tipo_intervento", "data_inizio_intervento"


@dataclass(frozen=True)
class InterventionReport:
    kind: str
    start_date: date
    kind_other: str = ""
    provider_type: str = ""
    provider_name: str = ""
    end_date: date | None = None
    status: str = ""


def interventions_in(data: Mapping[str, Any]) -> list[InterventionReport]:
    """Every intervention a submission's answers report: each object holding a type and a start date."""
    return list(_walk(data))


def record_interventions(case: Entity, data: Mapping[str, Any], submission_id: int | None) -> None:
    for report in interventions_in(data):
        upsert_intervention(case, report, submission_id, "submission")


def upsert_intervention(
    case: Entity, report: InterventionReport, submission_id: int | None, source: str
) -> None:
    query = select(CaseIntervention).where(
        CaseIntervention.entity_id == case.id,
        CaseIntervention.kind == report.kind,
        CaseIntervention.start_date == report.start_date,
    )
    row = db.session.scalars(query).first()
    if row is None:
        row = CaseIntervention(
            entity_id=case.id, kind=report.kind, start_date=report.start_date, source=source
        )
        db.session.add(row)
    row.kind_other = report.kind_other[:255]
    row.provider_type = report.provider_type[:64]
    row.provider_name = report.provider_name[:255] or row.provider_name or ""
    row.end_date = report.end_date
    row.status = report.status[:64]
    row.org_unit_id = case.org_unit_id
    row.submission_id = submission_id
    row.updated_at = utcnow()


def _walk(value: Any) -> Iterator[InterventionReport]:
    if isinstance(value, Mapping):
        report = _report(value)
        if report is not None:
            yield report
            return
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _report(answers: Mapping[str, Any]) -> InterventionReport | None:
    kind, start = answers.get(KIND), _date(answers.get(START))
    if not isinstance(kind, str) or not kind or start is None:
        return None
    return InterventionReport(
        kind=kind[:64],
        start_date=start,
        kind_other=_text(answers.get("tipo_intervento_altro")),
        provider_type=_text(answers.get("tipo_erogatore")),
        provider_name=_text(answers.get("ente_erogatore")),
        end_date=_date(answers.get("data_fine_intervento")),
        status=_text(answers.get("stato_intervento")),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
