"""The widgets of a fill page, built from the FormSpec and an Evaluation of the instance being filled."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from xml.etree.ElementTree import Element  # noqa: S405 - building trees only; parsing goes through defusedxml

from forms import engine
from forms.engine_choices import Attachments
from forms.spec import Control, FormSpec
from forms.webform import INPUT_TYPES, UNSUPPORTED, Widget, locate


@dataclass(frozen=True)
class PageContext:
    spec: FormSpec
    evaluation: engine.Evaluation
    language: str | None
    now: datetime
    attachments: Attachments | None = None

    @property
    def root(self) -> Element:
        # Labels and choices read the model, which keeps answers the stored record will drop.
        return self.evaluation.model if self.evaluation.model is not None else self.evaluation.root

    @cached_property
    def reader(self) -> engine.PageReader:
        """One index and one context for every label, hint and choice list of the page."""
        return engine.PageReader(
            self.spec, self.root, language=self.language, now=self.now, attachments=self.attachments
        )


def build_widgets(page: PageContext) -> list[Widget]:
    """The page's widgets in body order, with relevance, values, choices and messages per instance path."""
    errors: dict[str, list[str]] = {}
    for found in page.evaluation.problems:
        errors.setdefault(found.path, []).append(found.message(page.language or "it"))
    return [w for c in page.spec.controls if (w := _widget(page, c, {}, errors)) is not None]


def _widget(page: PageContext, control: Control, at: dict[str, str], errors: dict) -> Widget | None:
    if control.ref is None:
        return None
    path = _resolve(control.ref, at)
    if control.kind == "group" and len(control.children) == 1 and control.children[0].kind == "repeat":
        return _repeat(page, control, control.children[0], path, at, errors)
    if control.kind == "repeat":
        return _repeat(page, control, control, path, at, errors)
    state = page.evaluation.fields.get(path)
    widget = Widget(kind=_kind(page.spec, control), path=path, appearance=control.appearance or "")
    _describe(page, widget, control, state, errors)
    if control.kind == "group":
        widget.children = [w for c in control.children if (w := _widget(page, c, at, errors)) is not None]
    elif widget.kind in {"select1", "select"}:
        widget.choices = page.reader.choices(path)
    return widget


def _describe(page: PageContext, widget: Widget, control: Control, state, errors: dict) -> None:
    widget.label = _text(page.reader.label, control, widget.path)
    widget.hint = _text(page.reader.hint, control, widget.path)
    widget.errors = errors.get(widget.path, [])
    if state is not None:
        widget.relevant, widget.required, widget.readonly = state.relevant, state.required, state.readonly
    element = locate(page.root, widget.path)
    # From the model, so a question hidden by skip logic keeps its answer should it come back.
    widget.value = (element.text or "") if element is not None and not len(element) else ""
    bind = page.spec.binds.get(control.ref or "")
    if bind is not None and widget.kind == "input":
        widget.input_type = INPUT_TYPES.get(bind.type, "text")
        widget.step = {"int": "1", "decimal": "any"}.get(bind.type)


def _text(render: Callable[[Control, str], str], control: Control, path: str) -> str:
    try:
        return render(control, path)
    except (engine.EngineError, KeyError, ValueError):
        return ""


def _repeat(page: PageContext, outer: Control, repeat: Control, path: str, at: dict, errors: dict) -> Widget:
    widget = Widget(kind="repeat", path=path, appearance=outer.appearance or "")
    # A translated label is an itext reference (label_id) with no literal parts: the form's languages
    # are the usual case, and they must show the repeat's label too.
    labelled = outer.label or outer.label_id
    widget.label = _text(page.reader.label, outer, path + "[1]") if labelled else ""
    template = repeat.ref or ""
    for entry in _entries(page, path):
        inner = {**at, template: entry}
        entry_widget = Widget(kind="group", path=entry)
        state = page.evaluation.fields.get(entry)
        entry_widget.relevant = state.relevant if state is not None else True
        entry_widget.children = [
            w for c in repeat.children if (w := _widget(page, c, inner, errors)) is not None
        ]
        widget.entries.append(entry_widget)
    widget.relevant = any(e.relevant for e in widget.entries) or not widget.entries
    widget.can_add = not repeat.repeat_count and not repeat.no_add_remove
    return widget


def _entries(page: PageContext, path: str) -> list[str]:
    pattern = re.compile(re.escape(path) + r"\[(\d+)\]$")
    return [p for p in page.evaluation.fields if pattern.match(p)]


def _resolve(ref: str, at: dict[str, str]) -> str:
    """The instance path of a template path inside the repeat instances given (innermost first)."""
    for template in sorted(at, key=len, reverse=True):
        if ref == template or ref.startswith(template + "/"):
            return at[template] + ref[len(template) :]
    return ref


def _kind(spec: FormSpec, control: Control) -> str:
    if control.kind in {"group", "repeat", "trigger"}:
        return control.kind
    bind = spec.binds.get(control.ref or "")
    if control.kind == "upload" or (bind is not None and bind.type in UNSUPPORTED):
        return "unsupported"
    if spec.is_note(control):
        return "note"
    if control.kind in {"select1", "select"}:
        return control.kind
    if control.kind == "input" and "multiline" in (control.appearance or ""):
        return "textarea"
    return "input" if control.kind in {"input", "range"} else "unsupported"


# A form this long with several top-level groups is shown a group per page, as Enketo's pages theme does.
PAGED_FROM_QUESTIONS = 20


def paginate(widgets: list[Widget]) -> list[list[Widget]]:
    """The pages of a fill page: each top-level group, and each run of loose questions, is one page.

    Short forms, and forms with fewer than two top-level groups, stay on a single page; a group with the
    field-list appearance always gets its own page.
    """
    groups = [w for w in widgets if w.kind in {"group", "repeat"}]
    field_list = any("field-list" in w.appearance for w in groups)
    if not field_list and (len(groups) < 2 or _questions(widgets) < PAGED_FROM_QUESTIONS):
        return [widgets]
    pages: list[list[Widget]] = []
    for widget in widgets:
        if widget.kind in {"group", "repeat"} or not pages or pages[-1][-1].kind in {"group", "repeat"}:
            pages.append([widget])
        else:
            pages[-1].append(widget)
    return pages


def _questions(widgets: list[Widget]) -> int:
    count = 0
    for widget in widgets:
        if widget.kind in {"group", "repeat"}:
            count += _questions(widget.children) + sum(_questions(e.children) for e in widget.entries)
        else:
            count += 1
    return count


def page_with_errors(pages: list[list[Widget]]) -> int | None:
    """The first page holding a message, so a refused submit opens where the problem is."""
    for index, page in enumerate(pages):
        if any(_has_errors(w) for w in page):
            return index
    return None


def _has_errors(widget: Widget) -> bool:
    return bool(widget.errors) or any(_has_errors(w) for w in widget.children + widget.entries)
