"""Per-question summaries of a form's submissions, like KoboToolbox's report: plain data, plain ints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from analysis.summary_answers import (
    as_date,
    as_number,
    choice_list,
    choice_names,
    group_labels,
    is_meta,
    places,
    question_label,
    steps,
)
from analysis.summary_stats import (
    PERIODS,
    Histogram,
    Numbers,
    TimeSeries,
    describe,
    sturges_histogram,
    time_series,
)
from forms.engine_text import form_language
from forms.spec import Field, FormSpec

__all__ = [
    "PERIODS",
    "ChoiceCount",
    "DateSummary",
    "FormSummary",
    "NumberSummary",
    "QuestionSummary",
    "Record",
    "SelectSummary",
    "TextSummary",
    "ValueCount",
    "summarise",
]

TOP_TEXTS = 10
_NUMBER_TYPES = frozenset({"int", "decimal"})
_DATE_TYPES = frozenset({"date", "dateTime"})


@dataclass(frozen=True)
class Record:
    """One submission as the summaries read it: its JSON data and when it was received."""

    data: Mapping[str, Any]
    submitted_at: datetime


@dataclass(frozen=True)
class ChoiceCount:
    """How many answers picked one choice; `label` is the stored value when the form has none for it."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class ValueCount:
    """How many times one free-text answer was given."""

    value: str
    count: int


@dataclass(frozen=True)
class QuestionSummary:
    """What every question's summary says; a question of another type (geopoint, photo…) says only this.

    `entries` is the number of places the question could be answered: one per submission, or one per
    repeat entry inside a repeat (`in_repeat`), whose answers are pooled. `answered` counts the places
    with an answer that reads as the question's type, and `not_answered` the rest.
    """

    kind: ClassVar[str] = "answered"

    path: str
    name: str
    label: str
    value_type: str
    groups: tuple[str, ...]
    in_repeat: bool
    entries: int
    answered: int
    not_answered: int


@dataclass(frozen=True)
class SelectSummary(QuestionSummary):
    """Counts per choice, in the form's order, then any value the form does not list.

    Percentages are worked out on reading, from the counts held here, so that after a suppression step
    has replaced some counts no percentage still shows what they were.
    """

    kind: ClassVar[str] = "select"

    multiple: bool
    choices: tuple[ChoiceCount, ...]

    @property
    def percent_basis(self) -> str:
        """What percentages are of: "respondents" for select_multiple (they may add up to over 100)."""
        return "respondents" if self.multiple else "answers"  # one answer each: the same people

    def percent(self, count: int) -> float | None:
        """`count` as a percentage of those who answered; None when nobody did."""
        return 100 * count / self.answered if self.answered else None


@dataclass(frozen=True)
class NumberSummary(QuestionSummary):
    """n (`answered`), missing (`not_answered`), mean, sd, quartiles as R's and R's histogram bins."""

    kind: ClassVar[str] = "number"

    numbers: Numbers
    histogram: Histogram | None


@dataclass(frozen=True)
class DateSummary(QuestionSummary):
    """How the answers to a date or date-time question spread over days, weeks or months."""

    kind: ClassVar[str] = "date"

    over_time: TimeSeries


@dataclass(frozen=True)
class TextSummary(QuestionSummary):
    """How many gave a free-text answer, how many different answers, and the commonest when `shown`.

    Free text about minors can identify them, so the answers themselves are withheld (`top` is empty)
    unless the caller asks for them.
    """

    kind: ClassVar[str] = "text"

    distinct: int
    top: tuple[ValueCount, ...]
    shown: bool


@dataclass(frozen=True)
class FormSummary:
    """The whole report: how many submissions, when they came, and each question in form order."""

    title: str
    language: str | None
    submissions: int
    over_time: TimeSeries
    questions: tuple[QuestionSummary, ...]

    def question(self, path: str) -> QuestionSummary:
        """The summary of the question at an instance path such as `/data/eta`; KeyError if none."""
        for question in self.questions:
            if question.path == path:
                return question
        raise KeyError(path)


def summarise(
    spec: FormSpec,
    records: Iterable[Record | tuple[Mapping[str, Any], datetime]],
    language: str | None = None,
    *,
    period: str = "month",
    show_text: bool = False,
    show_calculations: bool = False,
) -> FormSummary:
    """Summarise the submissions given (already filtered and scoped) question by question.

    `language` is one of the form's languages or a code such as "it"; `period` ("day", "week" or
    "month") groups dates and submission times, which are read as given, so pass them in local time.
    Notes and meta are skipped, and calculations too unless `show_calculations`; free-text answers
    are counted but not shown unless `show_text`.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    rows = [record if isinstance(record, Record) else Record(*record) for record in records]
    lang = form_language(spec, language)
    questions = []
    for field in spec.fields():
        if _shown(spec, field, show_calculations):
            route = steps(spec, field)
            answers = [answer for row in rows for answer in places(row.data, route)]
            base = _base(spec, field, lang, answers)
            questions.append(_summary(spec, field, lang, base, answers, period, show_text))
    return FormSummary(
        title=spec.title,
        language=lang,
        submissions=len(rows),
        over_time=time_series((row.submitted_at.date() for row in rows), period),
        questions=tuple(questions),
    )


def _shown(spec: FormSpec, field: Field, show_calculations: bool) -> bool:
    if is_meta(spec, field):
        return False
    if field.control is None or spec.is_note(field.control):
        return show_calculations and _calculated(field)
    return True


def _calculated(field: Field) -> bool:
    return bool(field.bind and field.bind.calculate)


def _base(spec: FormSpec, field: Field, lang: str | None, answers: Sequence[Any]) -> dict[str, Any]:
    answered = sum(answer is not None for answer in answers)
    return {
        "path": field.path,
        "name": field.name,
        "label": question_label(spec, field, lang),
        "value_type": field.value_type,
        "groups": group_labels(spec, field, lang),
        "in_repeat": bool(field.repeats),
        "entries": len(answers),
        "answered": answered,
        "not_answered": len(answers) - answered,
    }


def _summary(
    spec: FormSpec,
    field: Field,
    lang: str | None,
    base: dict[str, Any],
    answers: Sequence[Any],
    period: str,
    show_text: bool,
) -> QuestionSummary:
    value_type = field.value_type
    if value_type in ("select1", "select") and field.control is not None:
        return _select(base, answers, choice_list(spec, field.control, lang), value_type == "select")
    # A calculation is typed "string" whatever it computes: a score or a count reads as a number.
    if value_type in _NUMBER_TYPES or (_calculated(field) and _all_numbers(answers)):
        return _number(base, answers)
    if value_type in _DATE_TYPES:
        return _dates(base, answers, period)
    if value_type == "string" and (_calculated(field) or (field.control and field.control.kind == "input")):
        return _text(base, answers, show_text)
    return QuestionSummary(**base)


def _select(
    base: dict[str, Any], answers: Sequence[Any], choices: list[tuple[str, str]] | None, multiple: bool
) -> SelectSummary:
    tally: Counter[str] = Counter()
    answered = 0
    for answer in answers:
        names = choice_names(answer, multiple)
        if names:
            answered += 1
            tally.update(names)
    known = choices or []
    listed = {value for value, _ in known}
    rows = [ChoiceCount(value, label, tally[value]) for value, label in known]
    # Values the form does not list (choices from a file, or an older version of the form), commonest first.
    others = sorted((value for value in tally if value not in listed), key=lambda v: (-tally[v], v))
    rows += [ChoiceCount(value, value, tally[value]) for value in others]
    return SelectSummary(**_answered(base, answered), multiple=multiple, choices=tuple(rows))


def _number(base: dict[str, Any], answers: Sequence[Any]) -> NumberSummary:
    values = [number for answer in answers if (number := as_number(answer)) is not None]
    return NumberSummary(
        **_answered(base, len(values)), numbers=describe(values), histogram=sturges_histogram(values)
    )


def _all_numbers(answers: Sequence[Any]) -> bool:
    given = [answer for answer in answers if answer is not None]
    return bool(given) and all(as_number(answer) is not None for answer in given)


def _dates(base: dict[str, Any], answers: Sequence[Any], period: str) -> DateSummary:
    days = [day for answer in answers if (day := as_date(answer)) is not None]
    return DateSummary(**_answered(base, len(days)), over_time=time_series(days, period))


def _text(base: dict[str, Any], answers: Sequence[Any], show_text: bool) -> TextSummary:
    texts = [text for answer in answers if answer is not None and (text := str(answer).strip())]
    tally = Counter(texts)
    top = sorted(tally.items(), key=lambda item: (-item[1], item[0]))[:TOP_TEXTS] if show_text else []
    return TextSummary(
        **_answered(base, len(texts)),
        distinct=len(tally),
        top=tuple(ValueCount(value, count) for value, count in top),
        shown=show_text,
    )


def _answered(base: dict[str, Any], answered: int) -> dict[str, Any]:
    return base | {"answered": answered, "not_answered": base["entries"] - answered}
