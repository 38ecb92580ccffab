"""Machine-assisted coding pages: search and auto-coding, suggestions, themes, pseudonymisation.

Each is a tab of the study (transcripts.autocode, transcripts.suggestions, transcripts.themes) or a page of a
transcript (transcripts.pseudonymise). Searches and theme discovery are GET forms that change nothing;
everything that writes is a POST by a person, audited.
"""

from functools import partial
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Code, CodingDocument, CodingProject, JobStatus, User
from app.numbers import whole_number
from app.permissions import Permission, require
from app.redirects import local_path
from app.transcripts import (
    access,
    assist,
    assist_pseudonyms,
    assist_suggest,
    codebook,
    codings,
    workbench_views,
)
from app.transcripts.web import bp

PAGE_SIZE = 20
THEMES = (2, 12, 5)  # fewest, most, default number of themes
SEARCH_FIELDS = ("q", "mode", "unit", "doc", "speaker", "attribute", "inside", "code")


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _integer(value: str | None) -> int | None:
    return whole_number(value)


def _chosen_documents(study: CodingProject, values: MultiDict) -> list[CodingDocument]:
    """The transcripts ticked in a form (all of the study's when none is); 404 for one of another study."""
    wanted = [_integer(value) for value in values.getlist("doc")]
    if any(number is None for number in wanted):
        abort(404)
    docs = assist.documents_of(study, [n for n in wanted if n is not None])
    if wanted and len(docs) != len(set(wanted)):
        abort(404)
    return docs


def _study_page(template: str, study: CodingProject, **context: Any) -> str:
    documents = assist.documents_of(study)
    return render_template(
        f"transcripts/{template}",
        study=study,
        documents=documents,
        doc_names={doc.id: doc.name for doc in documents},
        codes=codebook.codes_of(study),
        blind=access.is_blind_for(study),
        **context,
    )


@bp.get("/studies/<int:study_id>/autocode")
@require(Permission.CODE_TRANSCRIPTS)
def autocode(study_id: int):
    """Search the study's transcripts by lemma, words or pattern; preview the passages to auto-code."""
    user = _user()
    study = access.study_or_404(user, study_id)
    args = request.args
    docs = _chosen_documents(study, args)
    inside = _integer(args.get("inside"))
    given = assist.SearchInput(
        query=args.get("q", ""),
        mode=args.get("mode", "lemma"),
        unit=args.get("unit", "sentence"),
        speaker=args.get("speaker", ""),
        attribute=args.get("attribute", ""),
        inside_code=access.code_or_404(user, inside, study) if inside else None,
    )
    results, error = None, ""
    if "q" in args:
        try:
            results = assist.run_search(user, study, docs, given)
        except assist.AssistError as problem:
            error = str(problem)
        db.session.commit()
    page = _study_page(
        "assist_autocode.html",
        study,
        given=given,
        chosen={doc.id for doc in docs} if args.getlist("doc") else set(),
        results=results,
        error=error,
        code_id=_integer(args.get("code")),
        speakers=[p.code for p in assist.participants_of(study).values()],
        attributes=assist.attribute_choices(study),
        batches=assist.recent_batches(user, study),
        search_args={key: args.getlist(key) for key in SEARCH_FIELDS if key in args},
        max_shown=assist.MAX_SHOWN,
    )
    return page, 422 if error else 200


@bp.post("/studies/<int:study_id>/autocode")
@require(Permission.CODE_TRANSCRIPTS)
def autocode_apply(study_id: int):
    """Code the ticked passages with the chosen code, as one batch that can be undone."""
    user = _user()
    study = access.study_or_404(user, study_id)
    form = request.form
    back = _search_args(form)
    code_id = _integer(form.get("code_id"))
    if code_id is None:
        flash(_("Choose the code to apply."), "error")
        return redirect(url_for("transcripts.autocode", study_id=study.id, **back))
    code = access.code_or_404(user, code_id, study)
    back["code"] = [str(code.id)]
    try:
        units = assist.parse_keys(form.getlist("passage"))
        docs = {doc.id: doc for doc in assist.documents_of(study, {unit[0] for unit in units})}
        if any(unit[0] not in docs for unit in units):
            abort(404)
        _batch, made = assist.autocode(user, study, code, units, docs)
    except assist.AssistError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("transcripts.autocode", study_id=study.id, **back))
    db.session.commit()
    if made:
        message = ngettext(
            "%(num)d passage coded with %(code)s. You can undo it below.",
            "%(num)d passages coded with %(code)s. You can undo them below.",
            made,
            code=code.name,
        )
        flash(message, "success")
    else:
        flash(_("Every ticked passage already had this code from you."), "info")
    return redirect(url_for("transcripts.autocode", study_id=study.id, **back))


def _search_args(form: MultiDict) -> dict[str, list[str]]:
    """The search a form was posted from (its hidden fields), to show it again."""
    return {key: form.getlist(f"search-{key}") for key in SEARCH_FIELDS if form.getlist(f"search-{key}")}


@bp.post("/studies/<int:study_id>/autocode/undo")
@require(Permission.CODE_TRANSCRIPTS)
def autocode_undo(study_id: int):
    """Take back every coding of one of the user's auto-coding batches."""
    user = _user()
    study = access.study_or_404(user, study_id)
    try:
        removed = assist.undo(user, study, request.form.get("batch", ""))
    except assist.AssistError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            ngettext(
                "Auto-coding undone: %(num)d coding removed.",
                "Auto-coding undone: %(num)d codings removed.",
                removed,
            ),
            "success",
        )
    return redirect(url_for("transcripts.autocode", study_id=study.id, **_search_args(request.form)))


@bp.get("/studies/<int:study_id>/suggestions")
@require(Permission.CODE_TRANSCRIPTS)
def suggestions(study_id: int):
    """Codes suggested for uncoded turns: scores, the words behind them, and how far to trust them."""
    user = _user()
    study = access.study_or_404(user, study_id)
    document_id = _integer(request.args.get("document_id"))
    docs = assist.documents_of(study)
    if document_id is not None:
        docs = [doc for doc in docs if doc.id == document_id] or abort(404)
    show_all = request.args.get("all") == "1"
    trained = assist_suggest.load_model(study, user)
    found = assist_suggest.candidates(user, study, docs, trained, show_all) if trained else []
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(1, _integer(request.args.get("page")) or 1), pages)
    shown = (
        assist_suggest.with_reasons(trained, found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
        if trained
        else []
    )
    if shown:
        assist_suggest.record_read(user, study, shown)
        db.session.commit()
    return _study_page(
        "assist_suggestions.html",
        study,
        trained=trained,
        job=assist_suggest.last_training(user, study),
        candidates=shown,
        total=len(found),
        page=page,
        pages=pages,
        document_id=document_id,
        show_all=show_all,
        min_coded=assist_suggest.MIN_CODED,
    )


@bp.post("/studies/<int:study_id>/suggestions/train")
@require(Permission.CODE_TRANSCRIPTS)
def suggestions_train(study_id: int):
    """Start training the study's suggestions on the codings the user may see, in the background."""
    user = _user()
    study = access.study_or_404(user, study_id)
    job = assist_suggest.last_training(user, study)
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        flash(_("A training is already under way."), "info")
    else:
        assist_suggest.start_training(user, study)
        flash(_("Training started: the page shows its progress."), "info")
    return redirect(url_for("transcripts.suggestions", study_id=study.id))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _suggestion_target(user: User, study: CodingProject) -> tuple[CodingDocument, Code, int, int]:
    form = request.form
    document = access.document_or_404(user, _integer(form.get("document_id")) or 0)
    if document.coding_project_id != study.id:
        abort(404)
    code = access.code_or_404(user, _integer(form.get("code_id")) or 0, study)
    start, end = _integer(form.get("start")), _integer(form.get("end"))
    if start is None or end is None or not 0 <= start < end <= len(document.text):
        abort(404)
    return document, code, start, end


def _back_to_suggestions(study: CodingProject):
    """Where a suggestion's form was posted from: a page of this site named by `next` (the coding page's
    panel), or the suggestions page with its filters."""
    form = request.form
    target = local_path(form.get("next", ""))
    if target:
        return redirect(target)
    args = {key: form[key] for key in ("page", "all") if form.get(key)}
    if form.get("filter_document_id"):
        args["document_id"] = form["filter_document_id"]
    return redirect(url_for("transcripts.suggestions", study_id=study.id, **args))


@bp.post("/studies/<int:study_id>/suggestions/accept")
@require(Permission.CODE_TRANSCRIPTS)
def suggestion_accept(study_id: int):
    """A person accepts one suggested code for one passage: it becomes their coding."""
    user = _user()
    study = access.study_or_404(user, study_id)
    document, code, start, end = _suggestion_target(user, study)
    if _wants_json():
        return _accepted_json(user, document, code, start, end)
    try:
        assist_suggest.accept(user, document, code, start, end)
    except codings.CodingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Code %(code)s applied.", code=code.name), "success")
    return _back_to_suggestions(study)


def _accepted_json(user: User, document: CodingDocument, code: Code, start: int, end: int):
    """The coding page's panel accepts without leaving the page: the turn comes back redrawn, as after any
    coding there, with the new coding for its undo."""
    try:
        accept = partial(assist_suggest.accept, user, document, code)
        return workbench_views.coded_answer(user, document, start, end, accept)
    except codings.CodingError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 422


@bp.post("/studies/<int:study_id>/suggestions/reject")
@require(Permission.CODE_TRANSCRIPTS)
def suggestion_reject(study_id: int):
    """A person rejects one suggested code for one passage: it is not suggested to them again."""
    user = _user()
    study = access.study_or_404(user, study_id)
    document, code, start, end = _suggestion_target(user, study)
    assist_suggest.reject(user, document, code, start, end)
    db.session.commit()
    message = _("Suggestion of %(code)s rejected.", code=code.name)
    if _wants_json():
        return jsonify(message=message)
    flash(message, "info")
    return _back_to_suggestions(study)


@bp.get("/studies/<int:study_id>/themes")
@require(Permission.CODE_TRANSCRIPTS)
def themes(study_id: int):
    """Candidate themes (topics) in what participants said, with top words and example passages."""
    user = _user()
    study = access.study_or_404(user, study_id)
    args = request.args
    docs = _chosen_documents(study, args)
    fewest, most, default = THEMES
    count = min(max(_integer(args.get("n")) or default, fewest), most)
    speaker = args.get("speaker", "")
    found, error = None, ""
    if "run" in args:
        try:
            found = assist.themes(user, study, docs, speaker, count)
        except assist.AssistError as problem:
            error = str(problem)
        db.session.commit()
    page = _study_page(
        "assist_themes.html",
        study,
        themes=found,
        error=error,
        count=count,
        limits=THEMES,
        speaker=speaker,
        speakers=[p.code for p in assist.participants_of(study).values()],
        chosen={doc.id for doc in docs} if args.getlist("doc") else set(),
        lead=access.is_lead(user, study),
    )
    return page, 422 if error else 200


@bp.post("/studies/<int:study_id>/themes/code")
@require(Permission.CODE_TRANSCRIPTS)
def theme_code(study_id: int):
    """Make a code from a candidate theme, its top words as the definition."""
    user = _user()
    study = access.study_or_404(user, study_id)
    form = request.form
    words = " ".join(form.get("words", "").split())[:2000]
    data = codebook.CodeInput(name=form.get("name", "").strip(), definition=words)
    try:
        code = codebook.create_code(user, study, data)
    except codebook.CodebookError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Code %(name)s created.", name=code.name), "success")
    back = {
        key: form.getlist(f"search-{key}") for key in ("doc", "speaker", "n") if form.getlist(f"search-{key}")
    }
    return redirect(url_for("transcripts.themes", study_id=study.id, run=1, **back))


@bp.route("/documents/<int:document_id>/pseudonymise", methods=("GET", "POST"))
@require(Permission.CODE_TRANSCRIPTS)
def pseudonymise(document_id: int):
    """Review what looks identifying in a transcript, and replace what the person ticks."""
    user = _user()
    document = access.document_or_404(user, document_id)
    if not assist_pseudonyms.may_pseudonymise(user, document):
        abort(403)
    extras = assist_pseudonyms.extra_names(request.form.get("extra_names", ""))
    status, error = 200, ""
    if request.method == "POST" and request.form.get("action") == "apply":
        ticked = [n for n in (_integer(v) for v in request.form.getlist("proposal")) if n is not None]
        try:
            replaced = assist_pseudonyms.apply(
                user, document, request.form.get("fingerprint", ""), ticked, extras
            )
        except assist.AssistError as problem:
            db.session.rollback()
            status, error = 422, str(problem)
        else:
            db.session.commit()
            message = ngettext(
                "%(num)d replacement made in the transcript.",
                "%(num)d replacements made in the transcript.",
                replaced,
            )
            flash(message, "success")
            return redirect(url_for("transcripts.pseudonymise", document_id=document.id))
    found = assist_pseudonyms.review(user, document, extras)
    db.session.commit()
    page = render_template(
        "transcripts/assist_pseudonymise.html",
        document=document,
        study=document.coding_project,
        review=found,
        extra_names="\n".join(extras),
        kind_names=assist_pseudonyms.KIND_NAMES,
        error=error,
    )
    return page, status
