"""The pre/post impact report of an edition, or of an intervention across its editions, from the stored
questionnaires of its evaluation form.

A questionnaire belongs to an edition when its course code (codice_corso) is the edition's code. Only
current, undeleted, non-test submissions count. The report reads every such questionnaire whatever org
unit it was filed from: participants of one edition come from many comuni, and the report shows only
aggregates (and unlabelled lines in the slope plot), never a code or an answer. Who may read it is
decided by the edition's own scope (see access.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from analysis.summary_charts import render
from analysis.training_charts import distribution_chart, forest_chart, slope_chart
from analysis.training_export import ReportMeta, report_docx, report_xlsx
from analysis.training_instrument import instrument_from_spec
from analysis.training_report import ImpactReport, build_report
from analysis.training_scoring import Instrument, Questionnaire, pair_questionnaires
from analysis.training_text import report_text
from app import audit
from app.extensions import db
from app.models import Form, Submission, TrainingEdition, TrainingIntervention, User, utcnow
from app.surveys.services import published_version, spec_of

CHARTS = {"slopes": slope_chart, "distributions": distribution_chart, "forest": forest_chart}


@dataclass(frozen=True)
class ReportPage:
    """A report, or why there is none (no evaluation form), with what the page needs around it."""

    intervention: TrainingIntervention
    editions: tuple[TrainingEdition, ...]
    instrument: Instrument | None
    report: ImpactReport | None
    meta: ReportMeta


def edition_report(edition: TrainingEdition, lang: str, reverse: Sequence[str] | None) -> ReportPage:
    return _report(edition.intervention, (edition,), lang, reverse, by_edition=False)


def intervention_report(
    intervention: TrainingIntervention,
    editions: Sequence[TrainingEdition],
    lang: str,
    reverse: Sequence[str] | None,
) -> ReportPage:
    return _report(intervention, tuple(editions), lang, reverse, by_edition=True)


def _report(
    intervention: TrainingIntervention,
    editions: tuple[TrainingEdition, ...],
    lang: str,
    reverse: Sequence[str] | None,
    by_edition: bool,
) -> ReportPage:
    meta = _meta(intervention, editions)
    form = intervention.evaluation_form
    instrument = _instrument(form, lang, reverse) if form is not None else None
    if instrument is None or not editions:
        return ReportPage(intervention, editions, instrument, None, meta)
    questionnaires = _questionnaires(form, instrument, [e.code for e in editions])
    tiers = {(e.code, n.participant_code): n.tier for e in editions for n in e.enrolments}
    pairing = pair_questionnaires(questionnaires, instrument, tiers)
    report = build_report(pairing, instrument, [e.code for e in editions] if by_edition else None)
    return ReportPage(intervention, editions, instrument, report, meta)


def _instrument(form: Form, lang: str, reverse: Sequence[str] | None) -> Instrument | None:
    version = published_version(form) or (form.versions[-1] if form.versions else None)
    if version is None:
        return None
    return instrument_from_spec(spec_of(version), lang, reverse)


def _questionnaires(form: Form, instrument: Instrument, codes: list[str]) -> list[Questionnaire]:
    course = instrument.course[0] if len(instrument.course) == 1 else instrument.course
    query = select(Submission.id, Submission.created_at, Submission.data).where(
        Submission.form_id == form.id,
        Submission.current.is_(True),
        Submission.deleted_at.is_(None),
        Submission.test.is_(False),
        Submission.data[course].as_string().in_(codes),
    )
    return [Questionnaire(row.id, row.created_at, row.data) for row in db.session.execute(query)]


def _meta(intervention: TrainingIntervention, editions: Sequence[TrainingEdition]) -> ReportMeta:
    lines = [_("Project: %(name)s", name=intervention.project.name)]
    for edition in editions:
        dates = " – ".join(format_date(d, "short") for d in (edition.start_date, edition.end_date) if d)
        where = f", {edition.place}" if edition.place else ""
        lines.append(
            _("Edition %(code)s", code=edition.code) + (f" ({dates}{where})" if dates or where else "")
        )
    lines.append(_("Report made on %(date)s", date=format_date(utcnow().date(), "long")))
    return ReportMeta(intervention.title, tuple(lines))


def chart(page: ReportPage, name: str, fmt: str, lang: str) -> bytes:
    """One of the report's charts (slopes, distributions, forest) as SVG or PNG."""
    return render(CHARTS[name](page.report, report_text(lang)), fmt)


def xlsx(user: User, page: ReportPage, lang: str) -> bytes:
    _audit_export(user, page, "xlsx")
    return report_xlsx(page.report, page.meta, report_text(lang))


def docx(user: User, page: ReportPage, lang: str) -> bytes:
    _audit_export(user, page, "docx")
    text = report_text(lang)
    charts = {name: render(draw(page.report, text), "png") for name, draw in CHARTS.items()}
    return report_docx(page.report, page.meta, charts, text)


def _audit_export(user: User, page: ReportPage, fmt: str) -> None:
    target = page.editions[0] if len(page.editions) == 1 else page.intervention
    org_unit_id = page.editions[0].org_unit_id if len(page.editions) == 1 else None
    audit.record("training.report_exported", target, org_unit_id=org_unit_id, actor=user, format=fmt)
    db.session.commit()
