"""What changed between two versions of a submission's answers, question by question, labelled from the form.

Decisions:
- The answers are the JSON projection of an instance (forms.instance.data_from_instance): groups are
  objects, repeats lists of objects, select_multiple and rank lists. None, "" and [] all mean "not answered".
- Repeat entries have no identity of their own, so they are compared by position: removing the first of
  three entries reads as the first two changing and the third removed. That is what the stored XML says.
- An entry added or removed is reported whole (`entry` is true), then answer by answer, so a reader sees
  both that a child was added and what was answered about them.
- A select_multiple is a set of choices: the order they were ticked in is not a change. A rank is ordered.
- Answers the form does not have (stored under an older version) are reported under their own name.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from forms.spec import Control, FormSpec, Parts, TemplateNode, render_parts

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
SEPARATOR = " › "
_META = "meta"


@dataclass(frozen=True)
class Change:
    """One answer (or repeat entry) compared across two versions.

    `path` is the instance path with 1-based positions ('/data/figlio[2]/eta'); `label` joins the labels
    of the enclosing groups and entries with the question's ('Child 2 › Age'); `old` and `new` are the
    JSON values (None when not answered), `old_text` and `new_text` the same for a reader, with choice
    labels in place of choice values.
    """

    path: str
    label: str
    old: Any
    new: Any
    kind: str  # added, removed, changed; unchanged only from compare_answers
    old_text: str = ""
    new_text: str = ""
    entry: bool = False


def diff_answers(
    spec: FormSpec, old_data: Mapping[str, Any], new_data: Mapping[str, Any], language: str | None = None
) -> list[Change]:
    """The answers that differ between `old_data` and `new_data`, in the order of the form.

    Labels are in `language` (one of `spec.languages`), else in the form's default language."""
    return [c for c in compare_answers(spec, old_data, new_data, language) if c.kind != UNCHANGED]


def compare_answers(
    spec: FormSpec, old_data: Mapping[str, Any], new_data: Mapping[str, Any], language: str | None = None
) -> list[Change]:
    """Every answer given in either version, the unchanged ones too (kind "unchanged"): two versions side
    by side. Questions answered in neither are left out."""
    walk = _Walk(spec, language)
    return list(walk.group(spec.template, old_data or {}, new_data or {}, spec.template.path, ()))


class _Walk:
    def __init__(self, spec: FormSpec, language: str | None) -> None:
        self.spec = spec
        self.language = language

    def group(
        self, node: TemplateNode | None, old: Mapping, new: Mapping, at: str, trail: tuple[str, ...]
    ) -> Iterator[Change]:
        children = {c.name: c for c in node.children} if node is not None else {}
        if node is self.spec.template:
            children.pop(_META, None)  # meta belongs to the server; the projection leaves it out
        names = list(children) + [k for k in (*old, *new) if k not in children]
        for name in dict.fromkeys(names):
            yield from self.node(
                children.get(name), name, old.get(name), new.get(name), f"{at}/{name}", trail
            )

    def node(
        self, node: TemplateNode | None, name: str, old: Any, new: Any, at: str, trail: tuple[str, ...]
    ) -> Iterator[Change]:
        label = self.label(node, name)
        if (node is not None and node.repeat) or _entries(old) or _entries(new):
            yield from self.repeat(node, old, new, at, trail, label)
        elif (node is not None and node.children) or isinstance(old, Mapping) or isinstance(new, Mapping):
            yield from self.group(node, _mapping(old), _mapping(new), at, (*trail, label))
        else:
            yield from self.leaf(node, old, new, at, (*trail, label))

    def repeat(
        self, node: TemplateNode | None, old: Any, new: Any, at: str, trail: tuple[str, ...], label: str
    ) -> Iterator[Change]:
        old_entries, new_entries = _list(old), _list(new)
        for index in range(max(len(old_entries), len(new_entries))):
            before = old_entries[index] if index < len(old_entries) else None
            after = new_entries[index] if index < len(new_entries) else None
            entry_at, entry_label = f"{at}[{index + 1}]", f"{label} {index + 1}"
            if before is None or after is None:
                kind = ADDED if before is None else REMOVED
                yield Change(entry_at, SEPARATOR.join((*trail, entry_label)), before, after, kind, entry=True)
            yield from self.group(node, _mapping(before), _mapping(after), entry_at, (*trail, entry_label))

    def leaf(
        self, node: TemplateNode | None, old: Any, new: Any, at: str, trail: tuple[str, ...]
    ) -> Iterator[Change]:
        old, new = _answer(old), _answer(new)
        if old is None and new is None:
            return
        path = node.path if node is not None else ""
        kind = _kind(old, new, self._is_set(path))
        control = self.spec.control(path) if path else None
        yield Change(
            at, SEPARATOR.join(trail), old, new, kind, self.text(control, old), self.text(control, new)
        )

    def label(self, node: TemplateNode | None, name: str) -> str:
        control = self.spec.control(node.path) if node is not None else None
        if control is None:
            return name
        return _plain(self.spec.label(control, self.language)) or name

    def text(self, control: Control | None, value: Any) -> str:
        if value is None:
            return ""
        labels = self._choices(control)
        if isinstance(value, list):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return labels.get(str(value), str(value))

    def _choices(self, control: Control | None) -> dict[str, str]:
        if control is None or control.kind not in {"select1", "select", "rank"}:
            return {}
        spec, lang = self.spec, self.language
        found = {
            c.value: _plain((spec.text(c.label_id, lang) if c.label_id else None) or c.label) or c.value
            for c in control.choices
        }
        itemset = control.itemset
        instance = spec.secondary_instances.get(itemset.instance_id or "") if itemset else None
        for item in (instance.items or ()) if itemset and instance else ():
            value = item.get(itemset.value_ref, "")
            found[value] = _plain(spec.item_label(itemset, item, lang)) or value
        return found

    def _is_set(self, path: str) -> bool:
        bind = self.spec.binds.get(path)
        return bind is not None and bind.type == "select"


def _kind(old: Any, new: Any, is_set: bool) -> str:
    if old is None:
        return ADDED
    if new is None:
        return REMOVED
    if is_set and isinstance(old, list) and isinstance(new, list):
        return UNCHANGED if sorted(map(str, old)) == sorted(map(str, new)) else CHANGED
    return UNCHANGED if old == new and type(old) is type(new) else CHANGED


def _answer(value: Any) -> Any:
    return None if value is None or value == "" or value == [] else value


def _entries(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _list(value: Any) -> list[Mapping]:
    return [v if isinstance(v, Mapping) else {} for v in value] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _plain(parts: Parts) -> str:
    # An <output> in a label shows as the ${name} it was written with.
    return render_parts(parts, lambda value: "${" + value.strip().rsplit("/", 1)[-1] + "}").strip()
