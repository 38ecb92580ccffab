"""What the summaries read from a form and its stored data: answers by field, labels and choice lists."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from forms.instance_shape import META
from forms.instance_values import is_empty
from forms.spec import Control, Field, FormSpec, Parts, render_parts

_REFERENCE = re.compile(r"\s*/(?:[\w.-]+/)*([\w.-]+)\s*")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

Step = tuple[str, bool]  # (name of the element, whether it is a repeat)


def steps(spec: FormSpec, field: Field) -> tuple[Step, ...]:
    """The keys leading from a submission's JSON data to `field`, marking the repeats on the way."""
    root = spec.template.path
    names = field.path[len(root) + 1 :].split("/")
    paths = [f"{root}/{'/'.join(names[: i + 1])}" for i in range(len(names))]
    return tuple((name, path in spec.repeats) for name, path in zip(names, paths, strict=True))


def places(data: Any, route: Sequence[Step]) -> Iterator[Any]:
    """The answer at each place the field has in `data`, None where it is empty or left out.

    Outside repeats a field has one place per submission; inside, one per repeat entry, so answers
    from every entry of every submission are pooled.
    """
    if not route:
        yield None if is_empty(data) else data
        return
    (name, repeat), rest = route[0], route[1:]
    child = data.get(name) if isinstance(data, Mapping) else None
    if not repeat:
        yield from places(child, rest)
        return
    for entry in child if isinstance(child, list) else ():
        yield from places(entry, rest)


def choice_names(answer: Any, multiple: bool) -> list[str]:
    """The choice names in one select answer, each once; [] when it is empty."""
    if answer is None:
        return []
    if not multiple:
        return [str(answer)]
    names = answer.split() if isinstance(answer, str) else [str(name) for name in answer]
    return list(dict.fromkeys(names))  # a respondent counts once per choice


def as_number(answer: Any) -> int | float | None:
    """A JSON number, or a string holding one (a calculation's value); None for anything else."""
    if isinstance(answer, str) and _NUMBER.match(answer.strip()):
        try:
            answer = float(answer) if any(mark in answer for mark in ".eE") else int(answer)
        except ValueError:  # an integer of more digits than Python converts
            return None
    if isinstance(answer, int | float) and not isinstance(answer, bool) and math.isfinite(answer):
        return answer
    return None


def as_date(answer: Any) -> date | None:
    """The day a date or date-time answer was written for, before any time zone: the day meant."""
    if not isinstance(answer, str):
        return None
    try:
        return date.fromisoformat(answer[:10])
    except ValueError:
        return None


def is_meta(spec: FormSpec, field: Field) -> bool:
    """A field the server or the device fills in: under meta, or preloaded (start, end, today…)."""
    top = f"{spec.template.path}/{META}"
    return top in field.ancestors or bool(field.bind and field.bind.preload)


def plain(parts: Parts) -> str:
    """A label as one line of text; an `<output>` shows as the `${name}` the form's author wrote."""
    return " ".join(render_parts(parts, _reference).split())


def _reference(expression: str) -> str:
    match = _REFERENCE.fullmatch(expression)
    return f"${{{match.group(1)}}}" if match else "…"


def question_label(spec: FormSpec, field: Field, lang: str | None) -> str:
    """The label of the field's question in `lang`, or its name when it has no control or label."""
    return plain(spec.label(field.control, lang)) if field.control else field.name


def group_labels(spec: FormSpec, field: Field, lang: str | None) -> tuple[str, ...]:
    """The labels of the groups and repeats around `field`, outermost first."""
    labels = []
    for path in field.ancestors:
        control = spec.control(path)
        labels.append(plain(spec.label(control, lang)) if control else path.rsplit("/", 1)[-1])
    return tuple(labels)


def choice_list(spec: FormSpec, control: Control, lang: str | None) -> list[tuple[str, str]] | None:
    """(value, label) of each choice of a select, in form order; None when they come from a file."""
    if control.choices:
        pairs = [
            (choice.value, _choice_label(spec, choice.label_id, choice.label, lang))
            for choice in control.choices
        ]
    elif control.itemset is not None:
        itemset = control.itemset
        instance = spec.secondary_instances.get(itemset.instance_id or "")
        if instance is None or instance.items is None:
            return None
        pairs = [
            (item.get(itemset.value_ref, ""), plain(spec.item_label(itemset, item, lang)))
            for item in instance.items
        ]
    else:
        return []
    # A list filtered by choice_filter may repeat a name under different parents: count it once.
    unique: dict[str, str] = {}
    for value, label in pairs:
        unique.setdefault(value, label or value)
    return list(unique.items())


def _choice_label(spec: FormSpec, label_id: str | None, label: Parts, lang: str | None) -> str:
    translated = spec.text(label_id, lang) if label_id else None
    return plain(translated or label)
