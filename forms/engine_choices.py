"""Choices as a select offers them (static items, or an itemset filtered in place); the evaluation context."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element  # noqa: S405 - reading trees only

from forms.engine_model import local
from forms.engine_plan import Plan, rows_element
from forms.engine_text import form_language, render
from forms.spec import Control, FormSpec, Itemset, render_parts
from forms.xpath import EvalContext, XPathError, compile_expression
from forms.xpath.nodes import TreeIndex

Rows = Sequence[Mapping[str, str]]
Attachments = Mapping[str, Rows]
Option = tuple[str, str]
_ROWS_CACHE: dict[int, tuple[Rows, Element]] = {}
_ROWS_CACHE_SIZE = 64
_ITEMS_CACHE: dict[tuple[int, str], tuple[Element, list[Element], dict[str, list[int]]]] = {}
# Filters that look at an item's place in the list cannot be applied to a narrowed list.
_POSITIONAL = ("position(", "last(", "randomize(", "count(", "preceding", "following")


def make_context(
    spec: FormSpec,
    plan: Plan,
    root: Element,
    *,
    now: datetime,
    language: str | None,
    attachments: Attachments | None,
) -> EvalContext:
    """The context every expression of one evaluation shares: instances, attachments, clock, language."""
    lang = form_language(spec, language)
    instances = {**plan.instances, **_attached_instances(spec, attachments or {})}
    return EvalContext(
        root=root,
        instances=instances,
        now=now,
        choice_labels=_choice_labels(spec, instances, lang),
        pulldata=_pulldata_sources(attachments or {}),
        language=lang or "",
    )


def _attached_instances(spec: FormSpec, attachments: Attachments) -> dict[str, Element]:
    found = {}
    for instance in spec.secondary_instances.values():
        rows = _rows_for(instance.id, instance.src, attachments)
        if rows is not None:
            found[instance.id] = _cached_rows_element(rows)
    return found


def _rows_for(instance_id: str, src: str | None, attachments: Attachments) -> Rows | None:
    if not src:
        return None
    for key in (_file_name(src), instance_id, f"{instance_id}.csv"):
        if key in attachments:
            return attachments[key]
    return None


def _cached_rows_element(rows: Rows) -> Element:
    # The same attachment rows come back on every request; building their tree once saves milliseconds.
    cached = _ROWS_CACHE.get(id(rows))
    if cached is not None and cached[0] is rows:
        return cached[1]
    if len(_ROWS_CACHE) >= _ROWS_CACHE_SIZE:
        _ROWS_CACHE.clear()
    element = rows_element(rows)
    _ROWS_CACHE[id(rows)] = (rows, element)  # keeping `rows` alive keeps its id from being reused
    return element


def _pulldata_sources(attachments: Attachments) -> dict[str, Rows]:
    # pulldata('fruits', ...) names the CSV without its extension.
    sources = dict(attachments)
    sources.update({_stem(name): rows for name, rows in attachments.items()})
    return sources


# A form's few file names come back on every evaluation; pathlib takes longer than the rest of the setup.
@functools.lru_cache(maxsize=1024)
def _file_name(src: str) -> str:
    """'jr://file-csv/fruits.csv' as 'fruits.csv'."""
    return PurePosixPath(src.split("://", 1)[-1]).name


@functools.lru_cache(maxsize=1024)
def _stem(name: str) -> str:
    return PurePosixPath(name).stem


def _choice_labels(spec: FormSpec, instances: Mapping[str, Element], lang: str | None) -> Callable:
    def label(value: str, select_path: str) -> str:
        control = spec.control(select_path)
        if control is None:
            return ""
        for choice in control.choices:
            if choice.value == value:
                return _plain(spec.text(choice.label_id, lang) if choice.label_id else None, choice.label)
        if control.itemset is not None:
            return _itemset_label(spec, control.itemset, instances, value, lang)
        return ""

    return label


def _plain(translated: tuple | None, parts: tuple) -> str:
    return render_parts(translated or parts, lambda _: "")


def _itemset_label(
    spec: FormSpec, itemset: Itemset, instances: Mapping[str, Element], value: str, lang: str | None
) -> str:
    root = instances.get(itemset.instance_id or "")
    for item in root if root is not None else ():
        fields = _fields(item)
        if fields.get(itemset.value_ref) == value:
            return _plain(None, spec.item_label(itemset, fields, lang))
    return ""


def _fields(item: Element) -> dict[str, str]:
    return {local(child.tag): child.text or "" for child in item}


def options(spec: FormSpec, control: Control, node: Element, context: EvalContext) -> list[Option] | None:
    """The (value, label) pairs a select offers at `node`, labels in the context's language.

    None when they cannot be known: the itemset reads an attachment that was not given.
    """
    lang = context.language or None
    here = context.at(node, current=node)
    if control.itemset is None:
        return [
            (c.value, render((spec.text(c.label_id, lang) if c.label_id else None) or c.label, here))
            for c in control.choices
        ]
    items = itemset_items(control.itemset, here)
    if items is None:
        return None
    return [
        (
            fields.get(control.itemset.value_ref, ""),
            render(spec.item_label(control.itemset, fields, lang), here),
        )
        for fields in items
    ]


def option_values(
    plan: Plan, control: Control, node: Element, context: EvalContext, chosen: Collection[str]
) -> frozenset[str] | None:
    """Which values the select offers at `node`, at least among `chosen`; None when it cannot be known.

    An itemset that reads nothing from the answers is computed once per form. Otherwise, when its filter
    judges each item on its own, only the items holding a chosen value are filtered: a choice among the
    257 comuni of Puglia then costs one item, not 257.
    """
    if control.itemset is None:
        return frozenset(choice.value for choice in control.choices)
    itemset = control.itemset
    cached = plan.constant_options.get(itemset.nodeset)
    if cached is not None:
        return cached
    if itemset.instance_id is not None and itemset.instance_id not in context.instances:
        return None  # as itemset_items would say: the attachment holding the choices was not given
    constant, item_by_item = _filter_kind(itemset, plan, control.ref or "")
    here = context.at(node, current=node)
    if not constant and item_by_item and itemset.instance_id in context.instances:
        here = _narrowed(here, itemset, chosen)
    items = itemset_items(itemset, here)
    if items is None:
        return None
    values = frozenset(fields.get(itemset.value_ref, "") for fields in items)
    if constant:
        plan.constant_options[itemset.nodeset] = values
    return values


def _filter_kind(itemset: Itemset, plan: Plan, path: str) -> tuple[bool, bool]:
    """Whether the itemset reads no answer (its values are the same for every instance), and whether its
    filter judges each item on its own; worked out once per form."""
    key = (itemset.nodeset, path)
    found = plan.itemset_kinds.get(key)
    if found is None:
        found = plan.itemset_kinds[key] = (_constant(itemset, plan, path), _item_by_item(itemset))
    return found


def _item_by_item(itemset: Itemset) -> bool:
    return not any(word in itemset.nodeset for word in _POSITIONAL)


def _narrowed(context: EvalContext, itemset: Itemset, chosen: Collection[str]) -> EvalContext:
    instance_id = itemset.instance_id or ""
    items, positions = _items_by_value(context.instances[instance_id], itemset.value_ref)
    picked = sorted({position for value in set(chosen) for position in positions.get(value, ())})
    # The items themselves, not copies: evaluation only reads them, and the narrow list gets a tree
    # index of its own, so its items' parent is the narrow root and the full list is never walked.
    narrow = Element("root")
    narrow.extend(items[position] for position in picked)
    instances = {**context.instances, instance_id: narrow}
    return EvalContext(  # dataclasses.replace(context, instances=instances, trees=TreeIndex()), but faster
        root=context.root,
        node=context.node,
        instances=instances,
        now=context.now,
        choice_labels=context.choice_labels,
        pulldata=context.pulldata,
        language=context.language,
        current=context.current,
        rng=context.rng,
        trees=TreeIndex(),
    )


def _items_by_value(source: Element, value_ref: str) -> tuple[list[Element], dict[str, list[int]]]:
    """The items of a choice list and, by value, their positions in it; worked out once per list.

    Choice lists are the form's inline instances and the attachments' trees, both made once and only ever
    read, so an index kept with the list stays true (a list whose length changed is indexed again)."""
    key = (id(source), value_ref)
    cached = _ITEMS_CACHE.get(key)
    if cached is not None and cached[0] is source and len(cached[1]) == len(source):
        return cached[1], cached[2]
    items = list(source)
    positions: dict[str, list[int]] = {}
    for position, item in enumerate(items):
        positions.setdefault(item.findtext(value_ref) or "", []).append(position)
    if len(_ITEMS_CACHE) >= _ROWS_CACHE_SIZE:
        _ITEMS_CACHE.clear()
    _ITEMS_CACHE[key] = (source, items, positions)  # keeping `source` alive keeps its id from being reused
    return items, positions


def _constant(itemset: Itemset, plan: Plan, path: str) -> bool:
    expression = compile_expression(itemset.nodeset)
    inline = itemset.instance_id in plan.instances
    return inline and not expression.references(path) and "randomize" not in itemset.nodeset


def itemset_items(itemset: Itemset, context: EvalContext) -> list[dict[str, str]] | None:
    """The items an itemset selects, as dicts of their children; None when its instance is missing."""
    if itemset.instance_id is not None and itemset.instance_id not in context.instances:
        return None
    try:
        found = compile_expression(itemset.nodeset).evaluate(context)
    except XPathError:
        return []
    if not isinstance(found, list):
        return []
    return [_fields(item) for item in found if isinstance(item, Element)]
