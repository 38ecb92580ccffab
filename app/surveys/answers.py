"""One submission read as its form version lays it out: groups as sections, repeats as numbered entries."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import Form, Submission, User
from app.surveys.filtering import FilterField, submission_or_404
from app.surveys.services import spec_of
from app.surveys.table import FormTable, form_table, table_language
from forms.instance_shape import META
from forms.spec import FormSpec, TemplateNode, render_parts
from forms.tables import label_in
from forms.tables_plan import LABEL_SEPARATOR

MAX_EDITS_FOLLOWED = 100


@dataclass(frozen=True)
class Answer:
    name: str
    label: str
    value: str | None  # as shown: choices by label (or code); None when there is no answer
    code: str | None = None  # the stored codes, when `value` shows labels
    kind = "answer"


@dataclass(frozen=True)
class Section:
    """A group, a repeat's entry, or the whole form; `anchor` is its id in the page."""

    name: str
    label: str
    anchor: str
    items: tuple["Answer | Section | Repeat", ...]
    kind = "section"

    def blocks(self) -> list[tuple[str, Any]]:
        """The items with consecutive answers gathered, so that each run is one description list."""
        blocks: list[tuple[str, Any]] = []
        for item in self.items:
            if isinstance(item, Answer) and blocks and blocks[-1][0] == "answers":
                blocks[-1][1].append(item)
            elif isinstance(item, Answer):
                blocks.append(("answers", [item]))
            else:
                blocks.append((item.kind, item))
        return blocks


@dataclass(frozen=True)
class Repeat:
    name: str
    label: str
    anchor: str
    entries: tuple[Section, ...]
    kind = "repeat"


Item = Answer | Section | Repeat


@dataclass(frozen=True)
class Reading:
    """What the submission page shows."""

    submission: Submission
    spec: FormSpec  # of the version it answered
    answers: Section
    languages: tuple[str, ...]
    language: str | None
    labels: bool
    current_id: int | None  # the current version's id, when an edit replaced this one


@dataclass(frozen=True)
class _Labels:
    table: FormTable
    spec: FormSpec
    language: str | None
    labels: bool

    def text(self, path: str, name: str) -> str:
        control = self.spec.control(path)
        if control is None:
            return name
        parts = self.spec.label(control, self.language)
        return (
            render_parts(parts, lambda value: "${" + value.strip().rsplit("/", 1)[-1] + "}").strip() or name
        )


def read_submission(user: User, form: Form, submission_id: int, wanted: str | None, labels: bool) -> Reading:
    """A submission in the user's scope laid out for reading; audited, as these are records about minors."""
    row = submission_or_404(user, form, submission_id)
    table = form_table(form)
    language = table_language(table, wanted)
    spec = spec_of(row.form_version)
    answers = answers_of(table, spec, row.data or {}, language, labels)
    current_id = None if row.current else _current_id(row)
    audit.record_row(
        "submission.read", "Submission", row.id, org_unit_id=row.org_unit_id, actor=user, form=form.id
    )
    db.session.commit()
    return Reading(row, spec, answers, table.layout.languages, language, labels, current_id)


def answers_of(
    table: FormTable, spec: FormSpec, data: Mapping[str, Any], language: str | None, labels: bool
) -> Section:
    """The answers of `data` in the order and groups of `spec`, labelled in `language`."""
    context = _Labels(table, spec, language, labels)
    items = tuple(_items(context, spec.template, data, "", "a"))
    return Section(spec.template.name, spec.title, "answers", items)


def _items(context: _Labels, node: TemplateNode, data: Any, at: str, anchor: str) -> Iterator[Item]:
    for child in node.children:
        if not at and child.name == META:
            continue  # the server's: shown as the submission's details
        value = data.get(child.name) if isinstance(data, Mapping) else None
        path, here = f"{at}{child.name}", f"{anchor}-{child.name}"
        label = context.text(child.path, child.name)
        if child.repeat:
            yield _repeat(context, child, value, path, here, label)
        elif child.children:
            yield Section(child.name, label, here, tuple(_items(context, child, value, f"{path}/", here)))
        elif (answer := _answer(context, context.table.fields.get(path), child, value)) is not None:
            yield answer


def _repeat(context: _Labels, node: TemplateNode, value: Any, path: str, anchor: str, label: str) -> Repeat:
    entries = value if isinstance(value, list) else [value] if isinstance(value, Mapping) else []
    sections = tuple(
        Section(
            node.name,
            f"{label} {n}",
            f"{anchor}-{n}",
            tuple(_items(context, node, entry, f"{path}/", f"{anchor}-{n}")),
        )
        for n, entry in enumerate(entries, 1)
    )
    return Repeat(node.name, label, anchor, sections)


def _answer(context: _Labels, found: FilterField | None, node: TemplateNode, value: Any) -> Answer | None:
    if found is None:
        control = context.spec.control(node.path)
        if control is not None and context.spec.is_note(control):
            return None  # a note shows text and stores nothing
        return Answer(node.name, context.text(node.path, node.name), _plain(value))
    default = context.table.layout.default_language
    label = label_in(found.labels, context.language, default, node.name)
    if _plain(value) is None or not found.choices or not context.labels:
        return Answer(node.name, label, _plain(value))
    labels = dict(found.choices)
    codes = [str(code) for code in value] if isinstance(value, list) else [str(value)]
    shown = [label_in(labels.get(code), context.language, default, code) for code in codes]
    return Answer(node.name, label, LABEL_SEPARATOR.join(shown), " ".join(codes))


def _plain(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return None  # a group's object where this version has a field of the same name
    return str(value)


def _current_id(row: Submission) -> int | None:
    """The current version of an edited submission: follow the edits (deprecatedID) forward."""
    instance_id = row.instance_id
    for _step in range(MAX_EDITS_FOLLOWED):
        query = select(Submission.id, Submission.instance_id, Submission.current).where(
            Submission.form_id == row.form_id, Submission.deprecated_id == instance_id
        )
        newer = db.session.execute(query).first()
        if newer is None:
            return None
        if newer.current:
            return newer.id
        instance_id = newer.instance_id
    return None
