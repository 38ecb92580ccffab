"""Routes for reviewing submissions: states and comments, edits with history, trash and restore."""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.i18n import N_
from app.models import Form, ReviewState, Submission, SubmissionEvent, SubmissionEventKind, User
from app.numbers import whole_number
from app.permissions import Permission, require
from app.redirects import local_path
from app.surveys import bp, editing, review, services
from app.surveys.fill import Filling, _fill_page, form_language
from app.surveys.services import spec_of
from forms.diff import ADDED, CHANGED, REMOVED, Change, compare_answers, diff_answers

SUBMISSION = "/<int:form_id>/submissions/<int:submission_id>"
CHANGE_LABELS = {
    (ADDED, False): N_("answer added"),
    (REMOVED, False): N_("answer removed"),
    (CHANGED, False): N_("answer changed"),
    (ADDED, True): N_("entry added"),
    (REMOVED, True): N_("entry removed"),
}


def _user() -> User:
    return current_user._get_current_object()


@bp.post(f"{SUBMISSION}/review")
@require(Permission.READ_DATA)
def review_state(form_id: int, submission_id: int):
    """Set a submission's review state, with an optional comment."""
    form, row = _reviewable(form_id, submission_id)
    review.set_state(_user(), row, _state(), _comment())
    flash(_("The review state is now “%(state)s”.", state=state_label(row.review_state)), "success")
    return redirect(_back(form, row))


@bp.post(f"{SUBMISSION}/comment")
@require(Permission.READ_DATA)
def comment(form_id: int, submission_id: int):
    """Add a comment to a submission: anyone who may read it may comment on it."""
    form = _form(form_id)
    row = review.submission_or_404(_user(), form, submission_id)
    text = _comment()
    if not text:
        flash(_("Write a comment first."), "error")
    else:
        review.add_comment(_user(), row, text)
        flash(_("Your comment was added."), "success")
    return redirect(_back(form, row))


@bp.route(f"{SUBMISSION}/edit", methods=("GET", "POST"))
@require(Permission.READ_DATA)
def edit(form_id: int, submission_id: int):
    """The fill page with a submission's answers; saving them makes a new version (409 if it is stale)."""
    form, row = _reviewable(form_id, submission_id, current_only=False)
    if request.method == "GET" and not row.current:
        return redirect(url_for("surveys.edit", form_id=form.id, submission_id=review.current_of(row).id))
    return _fill_page(Filling(form, row.form_version, None, test=row.test, editing=row))


@bp.errorhandler(editing.StaleEdit)
def stale_edit(stale: editing.StaleEdit):
    """Answer an edit of a version replaced meanwhile with both versions side by side; nothing was stored."""
    spec = spec_of(stale.current.form_version)
    language = form_language(spec, request.values.get("_language"))
    page = render_template(
        "surveys/edit_conflict.html",
        form=stale.base.form,
        base=stale.base,
        current=stale.current,
        side_by_side=compare_answers(spec, stale.base.data, stale.current.data, language),
        yours=diff_answers(spec, stale.base.data, stale.attempted, language),
    )
    return page, 409


@bp.get(f"{SUBMISSION}/history")
@require(Permission.READ_DATA)
def history(form_id: int, submission_id: int):
    """Every version of a submission with what each changed, and its reviews and comments."""
    form = _form(form_id)
    row = review.submission_or_404(_user(), form, submission_id, in_trash=None)
    if not row.current:
        return redirect(url_for("surveys.history", form_id=form.id, submission_id=review.current_of(row).id))
    spec = spec_of(row.form_version)
    language = form_language(spec, request.values.get("_language"))
    moments = review.history(row, language)
    return render_template(
        "surveys/history.html", form=form, submission=row, spec=spec, language=language, moments=moments
    )


@bp.post(f"{SUBMISSION}/delete")
@require(Permission.READ_DATA)
def delete(form_id: int, submission_id: int):
    """Move a submission, every version of it, to the trash; its page still offers to restore it."""
    form, row = _reviewable(form_id, submission_id)
    review.move_to_trash(_user(), row)
    flash(_("The submission was moved to the trash. You can still restore it."), "success")
    return redirect(_back(form, row))


@bp.post(f"{SUBMISSION}/restore")
@require(Permission.READ_DATA)
def restore(form_id: int, submission_id: int):
    """Take a submission back out of the trash."""
    form = _form(form_id)
    row = review.submission_or_404(_user(), form, submission_id, in_trash=True)
    if not row.current:
        abort(409)  # its current version is the one to restore
    review.restore(_user(), row)
    flash(_("The submission was restored."), "success")
    return redirect(_back(form, row))


@bp.post("/<int:form_id>/submissions/review")
@require(Permission.READ_DATA)
def bulk_review(form_id: int):
    """Set the review state of the submissions ticked (`ids`), those the user may review."""
    form = _form(form_id)
    if review.review_scope(_user(), form).empty:
        abort(403)
    ids = {number for v in request.form.getlist("ids") if (number := whole_number(v)) is not None}
    state = _state()
    outcome = review.bulk_set_state(_user(), form, ids, state, _comment())
    message = ngettext(
        "%(num)d submission of %(asked)d is now “%(state)s”.",
        "%(num)d submissions of %(asked)d are now “%(state)s”.",
        outcome.changed,
        asked=outcome.asked,
        state=state_label(state),
    )
    flash(message, "success" if outcome.changed else "info")
    return redirect(_safe_next() or url_for("surveys.submissions", form_id=form.id))


def _form(form_id: int) -> Form:
    return services.form_or_404(_user(), form_id, Permission.READ_DATA)


def _reviewable(form_id: int, submission_id: int, *, current_only: bool = True) -> tuple[Form, Submission]:
    """The form and a submission the user may review: 404 when they cannot read it, 403 when they only
    read it; 409 for a version edited since (a review must be about what the reviewer saw)."""
    form = _form(form_id)
    row = review.submission_or_404(_user(), form, submission_id)
    if not review.can_review(_user(), form, row):
        abort(403)
    if current_only and not row.current:
        abort(409)
    return form, row


def _state() -> ReviewState:
    wanted = request.form.get("state", "")
    if wanted not in {s.value for s in review.SETTABLE_STATES}:
        abort(400)
    return ReviewState(wanted)


def _comment() -> str:
    return request.form.get("comment", "").strip()[: review.MAX_COMMENT]


def _safe_next() -> str | None:
    return local_path(request.form.get("next", ""))


def _back(form: Form, row: Submission) -> str:
    return _safe_next() or url_for("surveys.history", form_id=form.id, submission_id=row.id)


def state_label(state: str) -> str:
    return gettext(review.REVIEW_STATE_LABELS.get(state, state))


def change_kind_label(change: Change) -> str:
    label = CHANGE_LABELS.get((change.kind, change.entry))
    return gettext(label) if label else ""


@dataclass(frozen=True)
class ReviewPanel:
    """What the review panel of a submission shows to the person looking at it."""

    can_review: bool
    events: list[SubmissionEvent]
    states: list[tuple[str, str]]  # (value, label) of the states a reviewer sets


def review_panel(form: Form, submission: Submission) -> ReviewPanel:
    events = [e for e in review.events_of(submission) if e.kind != SubmissionEventKind.EDIT]
    states = [(s.value, state_label(s)) for s in review.SETTABLE_STATES]
    return ReviewPanel(review.can_review(_user(), form, submission), events, states)


@bp.context_processor
def _review_helpers() -> dict[str, object]:
    return {
        "review_panel": review_panel,
        "review_state_label": state_label,
        "change_kind_label": change_kind_label,
    }
