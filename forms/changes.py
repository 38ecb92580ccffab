"""What a new version of a form changes against the published one, and which changes reshape stored data."""

from dataclasses import dataclass

from forms.spec import MULTIPLE_TYPES, FormSpec

# Added questions, new choices and label edits leave every stored answer readable as it was.
RESHAPING = {"field_removed", "type_changed", "choices_removed", "repeat_changed"}

_MESSAGES = {
    "field_added": ("Question {path} is new.", "La domanda {path} è nuova."),
    "field_removed": (
        "Question {path} is removed: answers already stored for it will no longer show in the form.",
        "La domanda {path} è eliminata: le risposte già salvate non saranno più mostrate nel modulo.",
    ),
    "type_changed": (
        "Question {path} changes type from {old} to {new}: stored answers may no longer fit.",
        "La domanda {path} cambia tipo da {old} a {new}: le risposte salvate potrebbero non andare più bene.",
    ),
    "choices_removed": (
        "Question {path} loses the choices {old}: answers that chose them will no longer match.",
        "La domanda {path} perde le scelte {old}: le risposte che le avevano scelte non torneranno più.",
    ),
    "choices_added": (
        "Question {path} gains the choices {new}.",
        "La domanda {path} ha le nuove scelte {new}.",
    ),
    "repeat_changed": (
        "{path} changes between a repeated group and a single one: stored answers change shape.",
        "{path} passa da gruppo ripetuto a gruppo singolo o viceversa: le risposte salvate cambiano forma.",
    ),
}


@dataclass(frozen=True)
class Change:
    """One difference between two versions; `reshapes` when stored submissions would not read the same."""

    code: str
    path: str
    old: str = ""
    new: str = ""

    @property
    def reshapes(self) -> bool:
        return self.code in RESHAPING

    def message(self, lang: str = "it") -> str:
        english, italian = _MESSAGES[self.code]
        template = italian if lang.lower().startswith("it") else english
        return template.format(path=self.path, old=self.old, new=self.new)


def compare_versions(published: FormSpec, draft: FormSpec) -> list[Change]:
    """The changes from `published` to `draft`, reshaping ones first, each group in path order."""
    old, new = _fields(published), _fields(draft)
    changes = [Change("field_removed", path) for path in old.keys() - new.keys()]
    changes += [Change("field_added", path) for path in new.keys() - old.keys()]
    for path in old.keys() & new.keys():
        changes += _field_changes(path, old[path], new[path])
    changes += [Change("repeat_changed", path) for path in published.repeats ^ draft.repeats]
    return sorted(changes, key=lambda c: (not c.reshapes, c.path, c.code))


def _fields(spec: FormSpec) -> dict[str, tuple[str, frozenset[str] | None]]:
    """Each answerable field: its type, and its static choice values when it is a select with fixed items."""
    found = {}
    for field in spec.fields():
        if field.bind is None or "/meta/" in field.path:
            continue
        found[field.path] = (field.bind.type, _choice_values(spec, field.control))
    return found


def _choice_values(spec: FormSpec, control) -> frozenset[str] | None:
    """The values a select offers from static items or an inline list; None for anything else."""
    if control is None:
        return None
    if control.choices:
        return frozenset(c.value for c in control.choices)
    itemset = control.itemset
    instance = spec.secondary_instances.get(itemset.instance_id or "") if itemset else None
    if itemset is None or instance is None or instance.items is None:
        return None  # an attached file: its rows are data, not part of the form's shape
    return frozenset(item.get(itemset.value_ref, "") for item in instance.items)


def _field_changes(path: str, old: tuple, new: tuple) -> list[Change]:
    (old_type, old_choices), (new_type, new_choices) = old, new
    if old_type != new_type and not {old_type, new_type} <= MULTIPLE_TYPES:
        return [Change("type_changed", path, old_type, new_type)]
    if old_choices is None or new_choices is None:
        return []
    changes = []
    if removed := old_choices - new_choices:
        changes.append(Change("choices_removed", path, old=", ".join(sorted(removed))))
    if added := new_choices - old_choices:
        changes.append(Change("choices_added", path, new=", ".join(sorted(added))))
    return changes
