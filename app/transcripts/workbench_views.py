"""The coding page of a transcript: read it, apply and take back codes, code whole turns, write memos, and
see the code suggestions for its uncoded turns (accepted and rejected through the suggestions' endpoints).

The page works through coding.js, which posts JSON with the X-CSRFToken header and redraws the turns it
gets back; memo forms also work as plain forms. Refusals answer 422 with {"error": message} in the user's
language and change nothing; a memo edited since its form was drawn answers 409 with the memos as they are
now (see app.edits).
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import audit, edits
from app.extensions import db
from app.models import Code, Coding, CodingDocument, CodingMemo, CodingProject, CodingTurn, User
from app.numbers import whole_number
from app.permissions import Permission, require
from app.transcripts import access, codebook, codings, memos, suggestion_panel, workbench
from app.transcripts.web import bp

FALLBACK_COLOUR = "#5c6f82"


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.context_processor
def _memo_versions() -> dict[str, object]:
    return {"memo_version": memos.memo_version}


@bp.get("/documents/<int:document_id>")
@require(Permission.CODE_TRANSCRIPTS)
def document(document_id: int):
    """A transcript turn by turn with the codings the user may see, the codebook and the memos."""
    user = _user()
    found = access.document_or_404(user, document_id)
    study = found.coding_project
    book = workbench.codebook_of(study)
    blocks, shown = workbench.page_blocks(user, found, book)
    audit.record("transcript.read", found, org_unit_id=study.org_unit_id, actor=user)
    db.session.commit()
    return render_template(
        "transcripts/document.html",
        document=found,
        study=study,
        book=book,
        blocks=blocks,
        shown_json=[s.as_json() for s in shown],
        memos=memos.memos_of(user, found),
        suggestions=suggestion_panel.panel_of(user, found),
        lead=access.is_lead(user, study),
        blind=access.is_blind_for(study),
    )


@bp.get("/studies/<int:study_id>/codes.css")
@require(Permission.CODE_TRANSCRIPTS)
def code_colours(study_id: int) -> Response:
    """The colour of each code of a study as a CSS custom property, so pages need no inline style."""
    study = access.study_or_404(_user(), study_id)
    rules = []
    for code in codebook.codes_of(study):
        colour = code.colour if codebook.COLOUR.fullmatch(code.colour or "") else FALLBACK_COLOUR
        rules.append(f".code-{code.id} {{ --c: {colour}; }}\n")
    response = Response("".join(rules), mimetype="text/css")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.post("/documents/<int:document_id>/codings")
@require(Permission.CODE_TRANSCRIPTS)
def apply_codes(document_id: int):
    """Code the selected span with the chosen codes, and with a new code when one is named."""
    user = _user()
    found = access.document_or_404(user, document_id)
    values = _values()
    try:
        codes = _chosen_codes(user, found.coding_project, values)
        name = " ".join(str(values.get("new_code_name") or "").split())
        new_code = (
            codebook.create_code(user, found.coding_project, codebook.CodeInput(name)) if name else None
        )
        if new_code is not None and not codes and values.get("start") in (None, ""):
            return _created_only(found.coding_project, new_code)
        start, end = _span(values)
        return _applied(user, found, [*codes, *([new_code] if new_code else [])], start, end, new_code)
    except (codings.CodingError, codebook.CodebookError) as error:
        return _refused(error)


@bp.post("/turns/<int:turn_id>/codings")
@require(Permission.CODE_TRANSCRIPTS)
def code_turn(turn_id: int):
    """Code a whole speaker turn with the chosen codes."""
    user = _user()
    turn = db.session.get(CodingTurn, turn_id)
    if turn is None:
        abort(404)
    found = access.document_or_404(user, turn.document_id)
    try:
        codes = _chosen_codes(user, found.coding_project, _values())
        return _applied(user, found, codes, turn.start, turn.end)
    except codings.CodingError as error:
        return _refused(error)


@bp.post("/codings/<int:coding_id>/delete")
@require(Permission.CODE_TRANSCRIPTS)
def remove_coding(coding_id: int):
    """Take back a coding: one's own, or anyone's for a lead of the study."""
    user = _user()
    coding = access.coding_or_404(user, coding_id)
    found = access.document_or_404(user, coding.document_id)
    try:
        undo = codings.remove_coding(user, coding)
    except codings.CodingError as error:
        return _refused(error)
    answer = {"removed": {"id": coding_id, **undo}, **_redrawn(user, found, undo["start"], undo["end"])}
    db.session.commit()
    return jsonify(answer)


@bp.post("/documents/<int:document_id>/codings/<int:coding_id>/restore")
@require(Permission.CODE_TRANSCRIPTS)
def restore_coding(document_id: int, coding_id: int):
    """Undo one's own removal of a coding: it comes back under the coder who made it (codings.removal)."""
    user = _user()
    found = access.document_or_404(user, document_id)
    try:
        removed = codings.removal(user, found, coding_id)
        restore = partial(
            codings.apply_codes, user, found, [removed.code], origin=removed.origin, coder=removed.coder
        )
        return coded_answer(user, found, removed.start, removed.end, restore, coder=removed.coder)
    except codings.CodingError as error:
        return _refused(error)


@bp.get("/documents/<int:document_id>/memos", endpoint="memos")
@require(Permission.CODE_TRANSCRIPTS)
def memos_list(document_id: int) -> str:
    """The memos of a transcript's page, as the fragment the page shows."""
    user = _user()
    found = access.document_or_404(user, document_id)
    return _memo_list(user, found)


@bp.post("/documents/<int:document_id>/memos")
@require(Permission.CODE_TRANSCRIPTS)
def add_memo(document_id: int):
    """Write a memo on the transcript, on one of its codings or on a code of its study."""
    user = _user()
    found = access.document_or_404(user, document_id)
    coding, code = _memo_target(user, found, request.form.get("about", "document"))
    try:
        memos.add_memo(user, found, _memo_input(), coding=coding, code=code)
    except memos.MemoError as error:
        return _memo_refused(found, error)
    db.session.commit()
    return _memo_saved(user, found, _("Memo saved."))


@bp.post("/memos/<int:memo_id>")
@require(Permission.CODE_TRANSCRIPTS)
def edit_memo(memo_id: int):
    """Change the title and text of one's own memo, unless it changed since its form was drawn."""
    user = _user()
    memo, found = _memo_and_document(user, memo_id)
    if edits.is_stale(memo, request.form.get("seen"), memos.memo_version):
        return _memo_stale(user, found, memo)
    try:
        memos.update_memo(user, memo, _memo_input())
    except memos.MemoError as error:
        return _memo_refused(found, error)
    db.session.commit()
    return _memo_saved(user, found, _("Memo saved."))


@bp.post("/memos/<int:memo_id>/delete")
@require(Permission.CODE_TRANSCRIPTS)
def delete_memo(memo_id: int):
    """Delete one's own memo."""
    user = _user()
    memo, found = _memo_and_document(user, memo_id)
    try:
        memos.delete_memo(user, memo)
    except memos.MemoError as error:
        return _memo_refused(found, error)
    db.session.commit()
    return _memo_saved(user, found, _("Memo deleted."))


def _applied(
    user: User,
    document: CodingDocument,
    codes: list[Code],
    start: int,
    end: int,
    new_code: Code | None = None,
) -> Response:
    return coded_answer(
        user, document, start, end, partial(codings.apply_codes, user, document, codes), new_code
    )


def coded_answer(
    user: User,
    document: CodingDocument,
    start: int,
    end: int,
    apply: Callable[[int, int], list[Coding]],
    new_code: Code | None = None,
    coder: int | None = None,
) -> Response:
    """Code a span through `apply(start, end)`, commit, and answer as coding.js expects: the new codings,
    those the coder (the user, unless an undo restores another's) already had, and the touched blocks drawn
    afresh. Accepting a suggestion answers so too."""
    start, end = codings.trimmed_span(document.text, start, end)
    before = set(
        db.session.scalars(
            select(Coding.id).where(
                Coding.document_id == document.id,
                Coding.coder_id == (user.id if coder is None else coder),
                Coding.start == start,
                Coding.end == end,
            )
        )
    )
    made = apply(start, end)
    # drawn inside the transaction, which sees the new rows: committing first would expire the text
    redrawn = _redrawn(user, document, start, end)
    shown = {s["id"]: s for s in redrawn["shown"]}
    answer = {
        "codings": [shown[c.id] for c in made if c.id not in before and c.id in shown],
        "reused": [c.id for c in made if c.id in before],
        "code": _code_json(document.coding_project, new_code) if new_code else None,
        **redrawn,
    }
    db.session.commit()
    return jsonify(answer)


def _created_only(study: CodingProject, code: Code) -> Response:
    """A code named with nothing selected: created, and applied to nothing."""
    answer = {"code": _code_json(study, code), "codings": [], "reused": [], "blocks": [], "shown": []}
    db.session.commit()
    return jsonify(answer)


def _redrawn(user: User, document: CodingDocument, start: int, end: int) -> dict[str, Any]:
    """The blocks a change touched, drawn afresh, and every coding they show."""
    book = workbench.codebook_of(document.coding_project)
    blocks, shown = workbench.redraw(user, document, start, end, book)
    draw = get_template_attribute("transcripts/_block.html", "block")
    return {
        "blocks": [{"key": b.key, "html": str(draw(b, book))} for b in blocks],
        "shown": [s.as_json() for s in shown],
    }


def _code_json(study: CodingProject, code: Code) -> dict[str, Any]:
    return workbench.code_json(code, workbench.codebook_of(study).shortcuts.get(code.id, ""))


def _values() -> dict[str, Any]:
    """The request's fields, from a JSON body or a form."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    form = request.form
    return {key: form.getlist(key) if key == "code_id" else form.get(key) for key in form}


def _span(values: dict[str, Any]) -> tuple[int, int]:
    start, end = _integer(values.get("start")), _integer(values.get("end"))
    if start is None or end is None:
        raise codings.CodingError(_("Select some text to code."))
    return start, end


def _chosen_codes(user: User, study: CodingProject, values: dict[str, Any]) -> list[Code]:
    raw = values.get("code_id", values.get("code_ids", []))
    ids = raw if isinstance(raw, list) else [raw]
    numbers = [_integer(value) for value in ids if value not in (None, "")]
    if any(number is None for number in numbers):
        raise codings.CodingError(_("Choose the codes from the codebook."))
    return [
        access.code_or_404(user, number, study) for number in dict.fromkeys(numbers) if number is not None
    ]


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        number = whole_number(text.removeprefix("-"))
        return -number if number is not None and text.startswith("-") else number
    return None


def _refused(error: Exception) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error=str(error)), 422


def _memo_target(user: User, document: CodingDocument, about: str) -> tuple[Coding | None, Code | None]:
    """The coding or code a memo form names ("coding:12", "code:5"); neither for "document"."""
    kind, _sep, number = about.partition(":")
    target = _integer(number)
    if kind == "coding" and target is not None:
        coding = access.coding_or_404(user, target)
        if coding.document_id != document.id:
            abort(404)
        return coding, None
    if kind == "code" and target is not None:
        return None, access.code_or_404(user, target, document.coding_project)
    if kind != "document":
        abort(404)
    return None, None


def _memo_and_document(user: User, memo_id: int) -> tuple[CodingMemo, CodingDocument]:
    """A memo the user may see, and the transcript page (named by the form) it is changed from."""
    memo = access.memo_or_404(user, memo_id)
    found = access.document_or_404(user, _integer(request.form.get("document_id")) or 0)
    if found.coding_project_id != memo.coding_project_id:
        abort(404)
    if memo.coding_id is not None:
        access.coding_or_404(user, memo.coding_id)
    return memo, found


def _memo_input() -> memos.MemoInput:
    return memos.MemoInput(title=request.form.get("title", ""), text=request.form.get("text", ""))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _memo_list(user: User, document: CodingDocument) -> str:
    book = workbench.codebook_of(document.coding_project)
    return render_template(
        "transcripts/_memos.html", document=document, memos=memos.memos_of(user, document), book=book
    )


def _memo_saved(user: User, document: CodingDocument, message: str):
    if _wants_json():
        return jsonify(html=_memo_list(user, document), message=message)
    flash(message, "success")
    return redirect(url_for("transcripts.document", document_id=document.id, _anchor="memos"))


def _memo_stale(user: User, found: CodingDocument, memo: CodingMemo):
    """Save nothing: answer 409 with the memos as they are now and what the user had entered."""
    entered = _memo_input()
    fields = ((_("Title (optional)"), entered.title, memo.title), (_("Memo"), entered.text, memo.text))
    unsaved = [(label, new) for label, new, old in fields if edits.comparable(new) != edits.comparable(old)]
    if _wants_json():
        message = edits.refuse(unsaved, flashed=False)
        return jsonify(error=message, html=render_template("_unsaved.html") + _memo_list(user, found)), 409
    edits.refuse(unsaved)
    return document(found.id), 409


def _memo_refused(document: CodingDocument, error: memos.MemoError):
    db.session.rollback()
    status = 403 if isinstance(error, memos.NotTheAuthor) else 422
    if _wants_json():
        return jsonify(error=str(error)), status
    flash(str(error), "error")
    return redirect(url_for("transcripts.document", document_id=document.id, _anchor="memos"))
