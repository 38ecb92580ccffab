"""The training plan's changes: catalogue entries, editions, sessions, enrolments and the attendance register.

Each function takes checked values, writes them with an audit event and commits; a PlanError carries a
message for the person who asked.
"""

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from analysis.training import Completion, TrainingDataError, check_hours, completions, tier_for_years
from analysis.training_enrolment import read_enrolments
from app import audit
from app.extensions import db
from app.models import (
    Attendance,
    Enrolment,
    Form,
    OrgUnit,
    TrainingEdition,
    TrainingIntervention,
    TrainingSession,
    User,
)
from forms.exports.cells import csv_text


class PlanError(ValueError):
    """A change to the training plan that cannot be made; the message is for the person who asked."""


@dataclass(frozen=True)
class InterventionInput:
    kind: str
    title: str
    work_package: str
    editions_planned: int
    hours: float
    recipients_planned: int
    recipient_type: str
    selection: bool
    tier: str
    evaluation_form_id: int | None


@dataclass(frozen=True)
class EditionInput:
    code: str
    start_date: date | None
    end_date: date | None
    place: str
    org_unit: OrgUnit | None
    completion_share: float


def evaluation_forms(project_id: int) -> list[Form]:
    """The forms of a project that can serve as a training's pre/post questionnaire, by title."""
    return list(db.session.scalars(select(Form).where(Form.project_id == project_id).order_by(Form.title)))


def create_intervention(user: User, project_id: int, values: InterventionInput) -> TrainingIntervention:
    if values.evaluation_form_id is not None and values.evaluation_form_id not in {
        f.id for f in evaluation_forms(project_id)
    }:
        raise PlanError(_("The evaluation form must be a form of the same project."))
    intervention = TrainingIntervention(project_id=project_id, **vars(values))
    db.session.add(intervention)
    audit.record("training.intervention_created", intervention, actor=user, title=values.title)
    db.session.commit()
    return intervention


def create_edition(user: User, intervention: TrainingIntervention, values: EditionInput) -> TrainingEdition:
    if values.start_date and values.end_date and values.end_date < values.start_date:
        raise PlanError(_("The edition cannot end before it starts."))
    edition = TrainingEdition(
        intervention=intervention,
        code=values.code,
        start_date=values.start_date,
        end_date=values.end_date,
        place=values.place,
        org_unit_id=values.org_unit.id if values.org_unit else None,
        completion_share=values.completion_share,
    )
    db.session.add(edition)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PlanError(_("Another edition already has the code %(code)s.", code=values.code)) from None
    audit.record(
        "training.edition_created", edition, org_unit_id=edition.org_unit_id, actor=user, code=edition.code
    )
    db.session.commit()
    return edition


def add_session(user: User, edition: TrainingEdition, day: date, hours: float, topic: str) -> TrainingSession:
    if not 0 < hours <= 24:
        raise PlanError(_("A session lasts more than 0 and at most 24 hours."))
    session = TrainingSession(edition_id=edition.id, day=day, hours=hours, topic=topic)
    db.session.add(session)
    audit.record(
        "training.session_added", edition, org_unit_id=edition.org_unit_id, actor=user, day=day.isoformat()
    )
    db.session.commit()
    return session


def enrol(
    user: User, edition: TrainingEdition, code: str, name: str, role: str, years: int, unit: OrgUnit | None
) -> Enrolment:
    """Enrol a participant; the tier follows the years of service."""
    if any(e.participant_code == code for e in edition.enrolments):
        raise PlanError(_("%(code)s is already enrolled in this edition.", code=code))
    enrolment = Enrolment(
        edition_id=edition.id,
        participant_code=code,
        name=name,
        role=role,
        org_unit_id=unit.id if unit else None,
        years_of_service=years,
        tier=tier_for_years(years),
    )
    db.session.add(enrolment)
    audit.record("training.enrolled", edition, org_unit_id=edition.org_unit_id, actor=user, code=code)
    db.session.commit()
    return enrolment


def enrol_from_csv(user: User, edition: TrainingEdition, data: bytes) -> tuple[int, int]:
    """Enrol the participants of a CSV file, all or none; return how many were added and skipped
    (already enrolled)."""
    try:
        rows = read_enrolments(data)
    except TrainingDataError as error:
        raise PlanError(error.message(str(get_locale()))) from error
    enrolled = {e.participant_code for e in edition.enrolments}
    added = [row for row in rows if row.code not in enrolled]
    for row in added:
        db.session.add(
            Enrolment(
                edition_id=edition.id,
                participant_code=row.code,
                name=row.name,
                role=row.role,
                years_of_service=row.years,
                tier=row.tier,
            )
        )
    audit.record(
        "training.enrolments_imported", edition, org_unit_id=edition.org_unit_id, actor=user, added=len(added)
    )
    db.session.commit()
    return len(added), len(rows) - len(added)


def attendance_hours(edition: TrainingEdition) -> dict[tuple[int, int], float]:
    """The register: hours attended keyed by (enrolment id, session id)."""
    return {(a.enrolment_id, a.session_id): a.hours for e in edition.enrolments for a in e.attendances}


def save_attendance(user: User, edition: TrainingEdition, fields: Mapping[str, str]) -> int:
    """Store the whole register from the grid's fields `hours-<enrolment>-<session>`, all or none.

    A blank or zero cell removes the attendance. Return how many attendances the register now holds.
    """
    wanted = _register(edition, fields)
    kept = 0
    for enrolment in edition.enrolments:
        current = {a.session_id: a for a in enrolment.attendances}
        for session in edition.sessions:
            hours = wanted.get((enrolment.id, session.id), 0.0)
            row = current.get(session.id)
            if hours and row is None:
                enrolment.attendances.append(Attendance(session_id=session.id, hours=hours))
            elif hours and row is not None:
                row.hours = hours
            elif row is not None:
                enrolment.attendances.remove(row)
            kept += bool(hours)
    audit.record(
        "training.attendance_saved", edition, org_unit_id=edition.org_unit_id, actor=user, cells=kept
    )
    db.session.commit()
    return kept


def _register(edition: TrainingEdition, fields: Mapping[str, str]) -> dict[tuple[int, int], float]:
    wanted: dict[tuple[int, int], float] = {}
    for enrolment in edition.enrolments:
        for session in edition.sessions:
            raw = (fields.get(f"hours-{enrolment.id}-{session.id}") or "").strip().replace(",", ".")
            if not raw:
                continue
            try:
                hours = float(raw)
                if not math.isfinite(hours):
                    raise ValueError(raw)
                wanted[(enrolment.id, session.id)] = check_hours(hours, session.hours)
            except (ValueError, TrainingDataError):
                raise PlanError(
                    _(
                        "%(code)s, session of %(day)s: %(value)s is not a number of hours "
                        "from 0 to %(hours)s.",
                        code=enrolment.participant_code,
                        day=session.day.isoformat(),
                        value=raw,
                        hours=f"{session.hours:g}",
                    )
                ) from None
    return wanted


def completion_list(edition: TrainingEdition) -> list[tuple[Enrolment, Completion]]:
    """Each enrolment with its hours and whether it reached the edition's completion share."""
    sessions = {s.id: s.hours for s in edition.sessions}
    by_code = {e.participant_code: e for e in edition.enrolments}
    code_of = {e.id: e.participant_code for e in edition.enrolments}
    attended = {(code_of[eid], sid): hours for (eid, sid), hours in attendance_hours(edition).items()}
    rows = completions(list(by_code), sessions, attended, edition.completion_share)
    return sorted(((by_code[r.participant], r) for r in rows), key=lambda pair: pair[0].participant_code)


def completion_csv(edition: TrainingEdition) -> bytes:
    """The completion list as CSV (UTF-8 with BOM, ';' as Excel in Italy expects); text safe to open."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["codice", "nome", "ruolo", "fascia", "ore_frequentate", "ore_totali", "quota", "completato"]
    )
    for enrolment, row in completion_list(edition):
        share = f"{row.share:.3f}" if row.share is not None else ""
        writer.writerow(
            [
                csv_text(enrolment.participant_code),
                csv_text(enrolment.name),
                csv_text(enrolment.role),
                enrolment.tier,
                f"{row.attended:g}",
                f"{row.total:g}",
                share,
                "si" if row.completed else "no",
            ]
        )
    return out.getvalue().encode("utf-8-sig")
