"""Reading an evaluation XLSForm's instrument: its knowledge items and its self-efficacy Likert scale.

The rules follow the HUMUS evaluation form (valutazione_formazione) and work for any form written the
same way:

- a knowledge item is a single-choice question with a calculation named `p_<question>` beside it, which
  gives 1 for the right answer; when that calculation reads `if(${question} = 'b', 1, 0)` its right
  choice also serves as the answer key for submissions that lack the points;
- a Likert item is a single-choice question whose choices are consecutive whole numbers (at least three)
  and that every phase answers (it has no relevance condition, so post-only satisfaction questions are
  left out); the scale's range is the one most items share;
- items whose names end in _r, _inv or _rev are reverse-keyed unless the caller says otherwise.
"""

from collections import Counter
from collections.abc import Iterable

from analysis.training_scoring import (
    Instrument,
    KnowledgeItem,
    LikertItem,
    answer_key,
    default_reversed,
)
from forms.engine_text import form_language
from forms.spec import Control, FormSpec, render_parts, walk_controls

POINTS_PREFIX = "p_"


def instrument_from_spec(
    spec: FormSpec, lang: str | None = None, reverse: Iterable[str] | None = None
) -> Instrument:
    """The instrument a form measures, with item labels in `lang` (a code such as "it" or a form language).

    `reverse` names the reverse-keyed Likert items; None keeps the naming convention (_r, _inv, _rev).
    """
    language = form_language(spec, lang)
    singles = [c for c in walk_controls(spec.controls) if c.kind == "select1" and c.ref]
    knowledge = tuple(item for c in singles if (item := _knowledge_item(spec, c, language)) is not None)
    scales = {c.ref: scale for c in singles if (scale := _likert_range(spec, c)) is not None}
    known = {item.path for item in knowledge}
    if not scales:
        return Instrument(knowledge=knowledge)
    (low, high), _count = Counter(scales.values()).most_common(1)[0]
    likert = tuple(
        LikertItem(c.name, _path(spec, c.ref), _label(spec, c, language))
        for c in singles
        if scales.get(c.ref) == (low, high) and _path(spec, c.ref) not in known
    )
    instrument = Instrument(knowledge=knowledge, likert=likert, scale_min=low, scale_max=high)
    names = [i.name for i in likert]
    return instrument.with_reversed(default_reversed(names) if reverse is None else reverse)


def _path(spec: FormSpec, ref: str) -> tuple[str, ...]:
    """/data/group/name → ("group", "name"), the keys of the submission's JSON."""
    return tuple(ref.split("/")[2:])


def _label(spec: FormSpec, control: Control, language: str | None) -> str:
    return render_parts(spec.label(control, language), lambda _expression: "…").strip()


def _knowledge_item(spec: FormSpec, control: Control, language: str | None) -> KnowledgeItem | None:
    parent, name = control.ref.rsplit("/", 1)
    points = spec.binds.get(f"{parent}/{POINTS_PREFIX}{name}")
    if points is None or not points.calculate:
        return None
    return KnowledgeItem(
        name=name,
        path=_path(spec, control.ref),
        label=_label(spec, control, language),
        points=_path(spec, points.path),
        key=answer_key(points.calculate, control.ref),
    )


def _likert_range(spec: FormSpec, control: Control) -> tuple[int, int] | None:
    bind = spec.binds.get(control.ref)
    if bind is not None and bind.relevant:
        return None
    values = _choice_values(spec, control)
    try:
        numbers = sorted(int(v) for v in values)
    except ValueError:
        return None
    if len(numbers) < 3 or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    return numbers[0], numbers[-1]


def _choice_values(spec: FormSpec, control: Control) -> list[str]:
    if control.choices:
        return [choice.value for choice in control.choices]
    itemset = control.itemset
    if itemset is None or itemset.instance_id is None or "[" in itemset.nodeset:
        return []  # a filtered itemset's choices depend on other answers: not a fixed scale
    instance = spec.secondary_instances.get(itemset.instance_id)
    items = instance.items if instance is not None else None
    return [item.get(itemset.value_ref, "") for item in items or ()]
