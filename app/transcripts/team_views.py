"""Team work: blind double coding and its release, inter-coder agreement, and reconciling disagreements.

Until a blind study is released, the agreement and disagreement pages show only how many codings each
coder has made. Leads switch blind coding on or off, release it, and reconcile: they accept a coder's
coding (a copy becomes their own, origin "manual") or remove one. Every change is audited.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.extensions import db
from app.i18n import in_user_language
from app.models import CodingDocument, CodingOrigin, CodingProject, User, utcnow
from app.permissions import Permission, require
from app.transcripts import access, agreement_data, codebook, codings
from app.transcripts.web import bp
from app.transcripts.webforms import ConfirmForm
from coding.agreement_report import CHARACTER, DOCUMENT, NO_UNITS, TURN, UNITS
from coding.errors import AgreementError

MAX_ROWS = 300  # disagreements listed on one page


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def unit_labels() -> dict[str, str]:
    return {CHARACTER: _("Characters"), TURN: _("Speaker turns"), DOCUMENT: _("Documents")}


class Choice:
    """The coders, unit and documents chosen in the query string, checked against the study."""

    def __init__(self, study: CodingProject) -> None:
        self.all_coders = agreement_data.coders(study)
        self.all_documents = agreement_data.documents(study)
        known_coders = {u.id for u in self.all_coders}
        asked = [i for i in request.args.getlist("coders", type=int) if i in known_coders]
        self.coder_ids = list(dict.fromkeys(asked)) if asked else [u.id for u in self.all_coders]
        self.unit = request.args.get("unit", TURN)
        if self.unit not in UNITS:
            self.unit = TURN
        known_documents = {i for i, _name in self.all_documents}
        picked = [i for i in request.args.getlist("documents", type=int) if i in known_documents]
        self.document_ids = list(dict.fromkeys(picked)) or [i for i, _name in self.all_documents]
        self.all_picked = not picked

    def args(self) -> dict[str, object]:
        """The query string that chose this, for links between the two pages."""
        args: dict[str, object] = {"coders": self.coder_ids, "unit": self.unit}
        if not self.all_picked:
            args["documents"] = self.document_ids
        return args

    def labels(self) -> dict[int, str]:
        return {u.id: agreement_data.coder_label(u) for u in self.all_coders}

    def names(self, ids: list[int] | tuple[int, ...]) -> str:
        """The coders' names, comma separated."""
        labels = self.labels()
        return ", ".join(labels.get(i, "—") for i in ids)


def _blind_page(study: CodingProject, current: str):
    return render_template(
        "transcripts/agreement_blind.html",
        study=study,
        current=current,
        counts=agreement_data.coding_counts(study),
        is_lead=access.is_lead(_user(), study),
        form=ConfirmForm(),
    )


@bp.get("/studies/<int:study_id>/agreement")
@require(Permission.CODE_TRANSCRIPTS)
def agreement(study_id: int):
    """Agreement between the chosen coders, per code and overall, at the chosen unit."""
    study = access.study_or_404(_user(), study_id)
    if access.is_blind_for(study):
        return _blind_page(study, "transcripts.agreement")
    choice = Choice(study)
    codes = codebook.codes_of(study)
    report, problem = None, None
    if len(choice.coder_ids) < 2:
        problem = _("Choose at least two coders to compare.")
    else:
        try:
            report = agreement_data.study_report(
                study, codes, choice.coder_ids, choice.unit, choice.document_ids
            )
        except AgreementError as error:
            problem = in_user_language(str(error))
    return render_template(
        "transcripts/agreement.html",
        study=study,
        choice=choice,
        codes={c.id: c for c in codes},
        depth=codebook.depths(codes),
        report=report,
        problem=problem,
        units=unit_labels(),
        is_lead=access.is_lead(_user(), study),
        form=ConfirmForm(),
        number=_number,
        share=_share,
        no_units=NO_UNITS,
    )


def _number(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, format="0.000")


def _share(value: float | None) -> str:
    return "—" if value is None else format_percent(value, format="0.0%")


@bp.get("/studies/<int:study_id>/disagreements")
@require(Permission.CODE_TRANSCRIPTS)
def disagreements(study_id: int):
    """The units where the chosen coders differ on one code, with their text and who coded what."""
    study = access.study_or_404(_user(), study_id)
    if access.is_blind_for(study):
        return _blind_page(study, "transcripts.agreement")
    code = access.code_or_404(_user(), request.args.get("code_id", 0, type=int), study)
    choice = Choice(study)
    rows, total, problem = [], 0, None
    if len(choice.coder_ids) < 2:
        problem = _("Choose at least two coders to compare.")
    else:
        try:
            rows, total = agreement_data.study_disagreements(
                study, code, choice.coder_ids, choice.unit, choice.document_ids, _user(), MAX_ROWS
            )
        except AgreementError as error:
            problem = in_user_language(str(error))
        audit.record(
            "transcript.disagreements_view",
            study,
            org_unit_id=study.org_unit_id,
            actor=_user(),
            code=code.id,
            coders=choice.coder_ids,
            unit=choice.unit,
            shown=len(rows),
        )
        db.session.commit()
    return render_template(
        "transcripts/disagreements.html",
        study=study,
        code=code,
        choice=choice,
        rows=rows,
        total=total,
        problem=problem,
        units=unit_labels(),
        is_lead=access.is_lead(_user(), study),
        form=ConfirmForm(),
    )


@bp.post("/studies/<int:study_id>/reconcile")
@require(Permission.CODE_TRANSCRIPTS)
def reconcile(study_id: int):
    """A lead accepts a coder's coding (copying it to themselves) or removes a coding."""
    study = access.lead_study_or_404(_user(), study_id)
    back = _back_to_disagreements(study)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired: please try again."), "error")
        return redirect(back)
    if access.is_blind_for(study):
        flash(_("Codings are still blind: release them before reconciling."), "error")
        return redirect(back)
    coding = access.coding_or_404(_user(), request.form.get("coding_id", 0, type=int))
    document = db.session.get(CodingDocument, coding.document_id)
    if document is None or document.coding_project_id != study.id:
        abort(404)
    action = request.form.get("action")
    try:
        if action == "accept":
            _accept(study, document, coding)
        elif action == "remove":
            codings.remove_coding(_user(), coding)
            flash(_("Coding removed."), "success")
        else:
            abort(400)
    except codings.CodingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    db.session.commit()
    return redirect(back)


def _accept(study: CodingProject, document: CodingDocument, coding) -> None:
    made = codings.apply_codes(
        _user(), document, [coding.code], coding.start, coding.end, origin=CodingOrigin.MANUAL
    )
    audit.record(
        "coding.reconcile",
        document,
        org_unit_id=study.org_unit_id,
        actor=_user(),
        accepted=coding.id,
        coder=coding.coder_id,
        reconciled=[c.id for c in made],
    )
    flash(_("The coding is now also yours, as the reconciled version."), "success")


def _back_to_disagreements(study: CodingProject) -> str:
    """The disagreement view the form was posted from (its choices travel as hidden fields)."""
    args = {
        "code_id": request.form.get("code_id", 0, type=int),
        "coders": request.form.getlist("coders", type=int),
        "unit": request.form.get("unit", TURN) if request.form.get("unit") in UNITS else TURN,
    }
    documents = request.form.getlist("documents", type=int)
    if documents:
        args["documents"] = documents
    return url_for("transcripts.disagreements", study_id=study.id, **args)


@bp.post("/studies/<int:study_id>/blind")
@require(Permission.CODE_TRANSCRIPTS)
def settings_blind(study_id: int):
    """A lead switches blind double coding on (hiding codings again until a release) or off."""
    study = access.lead_study_or_404(_user(), study_id)
    if ConfirmForm().validate_on_submit():
        blind = request.form.get("blind") == "1"
        study.blind = blind
        if blind:
            study.released_at = None
        audit.record("study.blind", study, org_unit_id=study.org_unit_id, actor=_user(), blind=blind)
        db.session.commit()
        if blind:
            flash(
                _("Blind coding is on: each coder sees only their own codings until you release them."),
                "success",
            )
        else:
            flash(_("Blind coding is off: every coder sees every coding."), "success")
    return redirect(url_for("transcripts.agreement", study_id=study.id))


@bp.post("/studies/<int:study_id>/release")
@require(Permission.CODE_TRANSCRIPTS)
def release(study_id: int):
    """A lead releases the blind codings: everyone sees everyone's, and agreement can be computed."""
    study = access.lead_study_or_404(_user(), study_id)
    if ConfirmForm().validate_on_submit():
        if not access.is_blind_for(study):
            flash(_("There is nothing to release: the codings are not blind."), "info")
        else:
            study.released_at = utcnow()
            audit.record("study.release", study, org_unit_id=study.org_unit_id, actor=_user())
            db.session.commit()
            flash(_("Codings released: every coder now sees every coding."), "success")
    return redirect(url_for("transcripts.agreement", study_id=study.id))
