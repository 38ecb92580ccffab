"""The codebook pages: the tree with a search and a form for new codes; a code's page to edit, move,
merge, split or delete it."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app import edits
from app.extensions import db
from app.models import Code, Coding, CodingDocument, CodingProject, User
from app.permissions import Permission, require
from app.transcripts import access, codebook
from app.transcripts.web import bp
from app.transcripts.webforms import NONE, CodeForm, ConfirmForm, MergeForm, MoveForm, SplitForm

EXCERPT = 160  # characters of a segment shown on the code's page


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/studies/<int:study_id>/codebook", methods=("GET", "POST"), endpoint="codebook")
@require(Permission.CODE_TRANSCRIPTS)
def codebook_page(study_id: int):
    """The codebook as a tree, with how often each code is used, a search, and a form for a new code."""
    study = access.study_or_404(_user(), study_id)
    codes = codebook.codes_of(study)
    form = _code_form(codes)
    if form.validate_on_submit():
        parent = _parent_or_404(study, form.parent.data)
        try:
            code = codebook.create_code(_user(), study, _code_input(form), parent)
        except codebook.CodebookError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Code %(name)s created.", name=code.name), "success")
            return redirect(url_for("transcripts.codebook", study_id=study.id))
    query = request.args.get("q", "").strip()
    shown = codebook.search(study, query) if query else codes
    status = 422 if request.method == "POST" else 200
    return render_template(
        "transcripts/codebook.html",
        study=study,
        codes=shown,
        depth=codebook.depths(codes) if not query else {},
        counts=_counts(study),
        form=form,
        query=query,
        is_lead=access.is_lead(_user(), study),
    ), status


def _counts(study: CodingProject) -> dict[int, int]:
    """Codings per code that the user may see."""
    query = (
        select(Coding.code_id, func.count())
        .join(CodingDocument, CodingDocument.id == Coding.document_id)
        .where(CodingDocument.coding_project_id == study.id, access.visible_codings(_user(), study))
        .group_by(Coding.code_id)
    )
    return dict(db.session.execute(query).all())


def _code_form(
    codes: list[Code], obj: Code | None = None, exclude: int | None = None, stored: bool = False
) -> CodeForm:
    """The code form: what was posted, else (or when `stored`) the values of `obj`."""
    form = CodeForm(formdata=None, obj=obj) if stored else CodeForm(obj=obj)
    form.parent.choices = [(NONE, _("Top level"))] + [(c.id, c.name) for c in codes if c.id != exclude]
    if obj is not None and (stored or not form.is_submitted()):
        form.parent.data = obj.parent_id or NONE
        form.seen.data = codebook.code_version(obj)
    return form


def _code_input(form: CodeForm) -> codebook.CodeInput:
    return codebook.CodeInput(
        name=form.name.data,
        definition=form.definition.data or "",
        when_to_use=form.when_to_use.data or "",
        when_not=form.when_not.data or "",
        example=form.example.data or "",
        colour=form.colour.data or "",
        marks_need=form.marks_need.data,
    )


def _parent_or_404(study: CodingProject, parent_id: int) -> Code | None:
    return access.code_or_404(_user(), parent_id, study) if parent_id else None


@bp.route("/codes/<int:code_id>", methods=("GET", "POST"))
@require(Permission.CODE_TRANSCRIPTS)
def code(code_id: int):
    """A code: its definition to edit, the segments coded with it, and the restructuring actions."""
    found = access.code_or_404(_user(), code_id)
    study = access.study_or_404(_user(), found.coding_project_id)
    codes = codebook.codes_of(study)
    form = _code_form(codes, obj=found, exclude=found.id)
    if form.is_submitted() and edits.is_stale(found, form.seen.data, codebook.code_version):
        stored = _code_form(codes, found, found.id, stored=True)
        edits.refuse(edits.unsaved(form, stored))
        return _code_page(study, found, codes, stored, 409)
    if form.validate_on_submit():
        try:
            codebook.update_code(_user(), found, _code_input(form))
        except codebook.CodebookError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Code saved."), "success")
            return redirect(url_for("transcripts.code", code_id=found.id))
    status = 422 if request.method == "POST" else 200
    return _code_page(study, found, codes, form, status)


def _code_page(study: CodingProject, found: Code, codes: list[Code], form: CodeForm, status: int = 200):
    below = _descendants(found, codes)
    others = [(c.id, c.name) for c in codes if c.id not in below]
    move_form, merge_form = MoveForm(), MergeForm()
    move_form.parent.choices = [(NONE, _("Top level"))] + others
    move_form.parent.data = found.parent_id or NONE
    merge_form.target.choices = others
    return render_template(
        "transcripts/code.html",
        study=study,
        code=found,
        form=form,
        move_form=move_form,
        merge_form=merge_form,
        split_form=SplitForm(formdata=None),
        confirm=ConfirmForm(),
        segments=_segments(study, found),
        is_lead=access.is_lead(_user(), study),
    ), status


def _descendants(code: Code, codes: list[Code]) -> set[int]:
    found = {code.id}
    changed = True
    while changed:
        more = {c.id for c in codes if c.parent_id in found} - found
        found |= more
        changed = bool(more)
    return found


def _segments(study: CodingProject, code: Code) -> list[dict[str, object]]:
    query = (
        select(Coding, CodingDocument.name, CodingDocument.text)
        .join(CodingDocument, CodingDocument.id == Coding.document_id)
        .where(Coding.code_id == code.id, access.visible_codings(_user(), study))
        .order_by(CodingDocument.name, Coding.start)
    )
    rows = []
    for coding, name, text in db.session.execute(query):
        words = text[coding.start : coding.end]
        shown = words if len(words) <= EXCERPT else words[: EXCERPT - 1] + "…"
        rows.append({"coding": coding, "document": name, "text": shown})
    return rows


@bp.post("/codes/<int:code_id>/move")
@require(Permission.CODE_TRANSCRIPTS)
def move_code(code_id: int):
    found = access.code_or_404(_user(), code_id)
    study = access.study_or_404(_user(), found.coding_project_id)
    form = MoveForm()
    form.parent.choices = [(NONE, "")] + [(c.id, c.name) for c in codebook.codes_of(study)]
    if form.validate_on_submit():
        _apply(
            lambda: codebook.move_code(_user(), found, _parent_or_404(study, form.parent.data)),
            _("Code moved."),
        )
    return redirect(url_for("transcripts.code", code_id=found.id))


@bp.post("/codes/<int:code_id>/merge")
@require(Permission.CODE_TRANSCRIPTS)
def merge_code(code_id: int):
    """A lead merges this code into another: its codings, sub-codes and memos move there."""
    found = access.code_or_404(_user(), code_id)
    study = access.lead_study_or_404(_user(), found.coding_project_id)
    form = MergeForm()
    form.target.choices = [(c.id, c.name) for c in codebook.codes_of(study)]
    if not form.validate_on_submit():
        abort(400)
    target = access.code_or_404(_user(), form.target.data, study)
    name = found.name
    if _apply(lambda: codebook.merge_codes(_user(), found, target), _("%(name)s merged.", name=name)):
        return redirect(url_for("transcripts.code", code_id=target.id))
    return redirect(url_for("transcripts.code", code_id=code_id))


@bp.post("/codes/<int:code_id>/split")
@require(Permission.CODE_TRANSCRIPTS)
def split_code(code_id: int):
    """A lead moves the ticked segments of this code to a new sub-code; repeated, it splits the code."""
    found = access.code_or_404(_user(), code_id)
    study = access.lead_study_or_404(_user(), found.coding_project_id)
    form = SplitForm()
    if not form.validate_on_submit():
        flash(_("Name the new sub-code."), "error")
        return redirect(url_for("transcripts.code", code_id=found.id))
    visible = {row["coding"].id for row in _segments(study, found)}
    ticked = [i for i in request.form.getlist("coding", type=int) if i in visible]
    done = _("%(count)d segments moved to %(name)s.", count=len(ticked), name=form.name.data)
    _apply(lambda: codebook.split_code(_user(), found, {form.name.data: ticked}), done)
    return redirect(url_for("transcripts.code", code_id=found.id))


@bp.post("/codes/<int:code_id>/delete")
@require(Permission.CODE_TRANSCRIPTS)
def delete_code(code_id: int):
    """A lead deletes a code without sub-codes, with its codings."""
    found = access.code_or_404(_user(), code_id)
    study = access.lead_study_or_404(_user(), found.coding_project_id)
    if ConfirmForm().validate_on_submit() and _apply(
        lambda: codebook.delete_code(_user(), found), _("Code deleted.")
    ):
        return redirect(url_for("transcripts.codebook", study_id=study.id))
    return redirect(url_for("transcripts.code", code_id=code_id))


def _apply(change, done: str) -> bool:
    """Run a codebook change and commit it, or show its error and change nothing."""
    try:
        change()
    except codebook.CodebookError as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    db.session.commit()
    flash(done, "success")
    return True
