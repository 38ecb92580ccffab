"""The fields of several versions of a form merged by name into one tree, in form order, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from forms.instance_shape import META
from forms.spec import Control, FormSpec, Itemset, Parts, TemplateNode, render_parts

# Language key of the labels of a form without translations.
UNTRANSLATED = ""


@dataclass(eq=False)
class MergedNode:
    """A group, repeat or field present in at least one version.

    `types` lists the value types the versions give a field, newest first. `choices` maps each choice value
    to its labels by language, in the order the versions offer them (None for a field no version makes a
    select). Choices from an attached file are data rather than part of the form, so they are not known.
    """

    name: str
    kind: str  # "group", "repeat" or "field"
    children: list[MergedNode] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    choices: dict[str, dict[str, str]] | None = None


def merge_versions(specs: Sequence[FormSpec]) -> MergedNode:
    """One tree for `specs`, oldest first: the newest version gives the order and the labels.

    A field only an older version has goes after the field it followed there. A name that is a repeat in
    one version and a group in another is a repeat.
    """
    root = MergedNode("", "group")
    for spec in reversed(specs):
        _merge_children(root, spec, spec.template, top=True)
    return root


def _merge_children(target: MergedNode, spec: FormSpec, template: TemplateNode, *, top: bool) -> None:
    previous: MergedNode | None = None
    for child in template.children:
        if top and child.name == META:
            continue  # meta belongs to the server: it is not in the stored data
        kind = "repeat" if child.repeat else "group" if child.children else "field"
        if kind == "field" and _is_plain_note(spec, child.path):
            continue
        node = _find(target, child.name, kind)
        if node is None:
            node = MergedNode(child.name, kind)
            at = target.children.index(previous) + 1 if previous is not None else 0
            target.children.insert(at, node)
        elif kind == "repeat":
            node.kind = "repeat"
        if kind == "field":
            _add_field(node, spec, child.path)
        else:
            _merge_children(node, spec, child, top=False)
        previous = node


def _find(target: MergedNode, name: str, kind: str) -> MergedNode | None:
    for node in target.children:
        if node.name == name and (node.kind == "field") == (kind == "field"):
            return node
    return None


def _is_plain_note(spec: FormSpec, path: str) -> bool:
    # A note shows text and stores nothing, unless it also calculates a value.
    control = spec.control(path)
    bind = spec.binds.get(path)
    return control is not None and spec.is_note(control) and not (bind and bind.calculate)


def _add_field(node: MergedNode, spec: FormSpec, path: str) -> None:
    found = spec.field(path)
    node.types.append(found.value_type)
    languages = spec.languages or (None,)
    control = found.control
    for lang in languages:
        label = _text(spec.label(control, lang)) if control is not None else node.name
        node.labels.setdefault(lang or UNTRANSLATED, label or node.name)
    if control is not None and control.kind in ("select1", "select", "rank"):
        _add_choices(node, spec, control, languages)


def _add_choices(node: MergedNode, spec: FormSpec, control: Control, languages: tuple) -> None:
    offered = _choice_labels(spec, control, languages)
    if offered is None:
        return  # an attached file
    merged = node.choices if node.choices is not None else {}
    for value, labels in offered.items():
        known = merged.setdefault(value, {})
        for lang, label in labels.items():
            known.setdefault(lang, label)
    node.choices = merged


def _choice_labels(spec: FormSpec, control: Control, languages: tuple) -> dict[str, dict[str, str]] | None:
    found: dict[str, dict[str, str]] = {}
    for choice in control.choices:
        found[choice.value] = {
            lang or UNTRANSLATED: _text(
                (spec.text(choice.label_id, lang) if choice.label_id else None) or choice.label
            )
            or choice.value
            for lang in languages
        }
    if control.itemset is not None:
        items = _itemset_items(spec, control.itemset)
        if items is None:
            return None
        for item in items:
            value = item.get(control.itemset.value_ref, "")
            labels = {
                lang or UNTRANSLATED: _text(spec.item_label(control.itemset, item, lang))
                for lang in languages
            }
            found[value] = {lang: label or value for lang, label in labels.items()}
    return found


def _itemset_items(spec: FormSpec, itemset: Itemset) -> tuple[dict[str, str], ...] | None:
    instance = spec.secondary_instances.get(itemset.instance_id or "")
    return instance.items if instance is not None else None


def _text(parts: Parts) -> str:
    # An <output> in a label shows as the ${name} it was written with.
    return render_parts(parts, lambda value: "${" + value.strip().rsplit("/", 1)[-1] + "}").strip()
