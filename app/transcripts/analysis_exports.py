"""Downloads of a study's analysis: the codings as CSV or XLSX, and the codebook with quotes as Word.

Each download holds the codings the user may see (their own in an unreleased blind study) and is audited.
Participants appear by code; their names are never read.
"""

from datetime import UTC, datetime

from flask_babel import format_datetime
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.models import CodingProject, User
from app.transcripts import access, analysis_data
from app.transcripts.analysis_pages import attribute_label
from coding.export_tables import Headers, codings_csv, codings_xlsx
from coding.report_docx import ReportText, codebook_report
from coding.segments import Segment

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def codings_file(user: User, study: CodingProject, fmt: str) -> bytes:
    """Every coding the user sees, one a row, as CSV or XLSX."""
    data = analysis_data.load(user, study)
    _audit(user, study, "coding.export", fmt, len(data.segments))
    headers = _headers(data.segments)
    if fmt == "csv":
        return codings_csv(data.segments, headers)
    notes = [(_("Study"), study.name), *_notes(user, study)]
    return codings_xlsx(data.segments, headers, notes, (_("codings"), _("notes")))


def report(user: User, study: CodingProject) -> bytes:
    """The codebook with each code's quotes, as a Word document."""
    data = analysis_data.load(user, study)
    _audit(user, study, "coding.report", "docx", len(data.segments))
    text = ReportText(
        title=_("Codebook and quotes"),
        definition=_("Definition"),
        when_to_use=_("When to use"),
        when_not=_("When not to use"),
        example=_("Example"),
        quotes=_("Quotes: %(count)s", count="{count}"),
        no_quotes=_("No quotes."),
        source=_("%(speaker)s · %(document)s, %(start)s–%(end)s")
        % {"speaker": "{speaker}", "document": "{document}", "start": "{start}", "end": "{end}"},
        no_speaker=_("speaker not known"),
    )
    lines = [text.title, *(f"{name}: {value}" for name, value in _notes(user, study))]
    return codebook_report(study.name, data.codes, data.segments, text, lines)


def _headers(segments: list[Segment]) -> Headers:
    columns = {
        "document": _("Document"),
        "code": _("Code"),
        "start": _("Start"),
        "end": _("End"),
        "text": _("Text"),
        "speaker": _("Speaker"),
        "participant": _("Participant code"),
        "coder": _("Coder"),
        "origin": _("Origin"),
        "created": _("Created"),
    }
    names = {n for s in segments for n in s.participant_attributes} | {
        n for s in segments for n in s.document_attributes
    }
    return Headers(
        columns,
        _("Participant: %(name)s", name="{name}"),
        _("Document: %(name)s", name="{name}"),
        {name: attribute_label(name) for name in names},
    )


def _notes(user: User, study: CodingProject) -> list[tuple[str, str]]:
    notes = [(_("Generated"), format_datetime(datetime.now(UTC), "medium"))]
    if access.is_blind_for(study):
        notes.append(
            (_("Blind coding"), _("Only your own codings: the study's codings are not released yet."))
        )
    return notes


def _audit(user: User, study: CodingProject, action: str, fmt: str, rows: int) -> None:
    audit.record(action, study, org_unit_id=study.org_unit_id, actor=user, format=fmt, codings=rows)
    db.session.commit()
