"""The FormSpec: a form as read from its XForm, in frozen dataclasses that round-trip through JSON."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from forms import spec_json

XFORMS = "http://www.w3.org/2002/xforms"
NAMESPACES = {
    "h": "http://www.w3.org/1999/xhtml",
    "jr": "http://openrosa.org/javarosa",
    "orx": "http://openrosa.org/xforms",
    "odk": "http://www.opendatakit.org/xforms",
    "entities": "http://www.opendatakit.org/xforms/entities",
    "ev": "http://www.w3.org/2001/xml-events",
    "xsd": "http://www.w3.org/2001/XMLSchema",
}
MEDIA_FORMS = ("image", "big-image", "audio", "video")
MULTIPLE_TYPES = frozenset({"select", "rank"})
# pyxform writes "-" for a translation the XLSForm leaves blank; treat it as missing so the default shows.
MISSING_TRANSLATION = "-"
_ITEXT_REF = re.compile(r"""^\s*jr:itext\(\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*$""")
T = TypeVar("T")


@dataclass(frozen=True)
class Output:
    """An `<output value="..."/>` inside a label: the engine fills it with the expression's value."""

    value: str


Part = str | Output
Parts = tuple[Part, ...]


@dataclass(frozen=True)
class Bind:
    """A `<bind>`: `type` is refined by the control (select, select1, rank); `xml_type` is as written."""

    path: str
    type: str = "string"
    xml_type: str = "string"
    relevant: str | None = None
    required: str | None = None
    required_message: str | None = None
    constraint: str | None = None
    constraint_message: str | None = None
    calculate: str | None = None
    readonly: str | None = None
    preload: str | None = None
    preload_params: str | None = None
    save_incomplete: str | None = None
    saveto: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    """A static `<item>` of a select."""

    value: str
    label: Parts = ()
    label_id: str | None = None


@dataclass(frozen=True)
class Itemset:
    """An `<itemset>`: items come from `nodeset` (often `instance('list')/root/item[filter]`)."""

    nodeset: str
    value_ref: str
    label_ref: str
    label_is_itext: bool = False
    instance_id: str | None = None


@dataclass(frozen=True)
class Control:
    """A body control in body order: a question, a group or a repeat, with its children."""

    kind: str
    ref: str | None
    appearance: str | None = None
    label: Parts = ()
    label_id: str | None = None
    hint: Parts = ()
    hint_id: str | None = None
    media: dict[str, dict[str, str]] = field(default_factory=dict)
    mediatype: str | None = None
    choices: tuple[Choice, ...] = ()
    itemset: Itemset | None = None
    repeat_count: str | None = None
    no_add_remove: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    children: tuple[Control, ...] = ()

    @property
    def name(self) -> str:
        return (self.ref or "").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SecondaryInstance:
    """A secondary instance: external (`src`) or inline, whose items are kept as dicts."""

    id: str
    src: str | None = None
    items: tuple[dict[str, str], ...] | None = None


@dataclass(frozen=True)
class Setvalue:
    """An action (setvalue, odk:setgeopoint…) run on `events`; `control` is where it sits in the body."""

    ref: str
    events: tuple[str, ...]
    value: str | None = None
    literal: str | None = None
    control: str | None = None
    action: str = "setvalue"


@dataclass(frozen=True)
class Submission:
    """How the instance is submitted: where the instanceID lives, and the encryption key if any."""

    instance_id_path: str | None = None
    action: str | None = None
    method: str | None = None
    public_key: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def encrypted(self) -> bool:
        return bool(self.public_key)


@dataclass(frozen=True)
class Entity:
    """The ODK entity declaration in `meta/entity`: dataset and create/update/id attributes."""

    path: str
    dataset: str
    version: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateNode:
    """An element of the primary instance template; a repeat appears once, as its template."""

    tag: str
    path: str
    default: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    repeat: bool = False
    children: tuple[TemplateNode, ...] = ()

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Field:
    """A leaf of the instance with what the form says about it, and its enclosing groups and repeats."""

    path: str
    name: str
    bind: Bind | None
    control: Control | None
    default: str
    ancestors: tuple[str, ...]
    repeats: tuple[str, ...]

    @property
    def value_type(self) -> str:
        return self.bind.type if self.bind else "string"


@dataclass(frozen=True)
class FormSpec:
    """Everything the engine and the pages need from an XForm, read once by `read_xform`."""

    form_id: str
    version: str | None
    title: str
    root_name: str
    instance_xml: str
    template: TemplateNode
    binds: dict[str, Bind]
    controls: tuple[Control, ...]
    secondary_instances: dict[str, SecondaryInstance]
    translations: dict[str, dict[str, dict[str, Parts]]]
    languages: tuple[str, ...]
    default_language: str | None
    setvalues: tuple[Setvalue, ...]
    repeats: frozenset[str]
    submission: Submission
    entity: Entity | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `FormSpec.from_dict` gives back an equal spec."""
        return spec_json.encode(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FormSpec:
        """Rebuild a spec stored with `to_dict`."""
        return spec_json.decode(cls, data)

    def text(self, itext_id: str, lang: str | None = None, form: str = "default") -> Parts | None:
        """An itext entry in `lang`, else in the default language; None when neither has it."""
        for candidate in (lang, self.default_language):
            parts = self.translations.get(candidate or "", {}).get(itext_id, {}).get(form)
            if parts and parts != (MISSING_TRANSLATION,):
                return parts
        return None

    def label(self, control: Control, lang: str | None = None) -> Parts:
        """A control's label in `lang`, falling back to the default language, then to its name."""
        if control.label_id and (parts := self.text(control.label_id, lang)):
            return parts
        return control.label or (control.name,)

    def hint(self, control: Control, lang: str | None = None) -> Parts:
        """A control's hint in `lang` (or the default language); empty when it has none."""
        if control.hint_id and (parts := self.text(control.hint_id, lang)):
            return parts
        return control.hint

    def message(self, path: str, kind: str, lang: str | None = None) -> Parts | None:
        """The `constraint` or `required` message of a field, translated when it is an itext ref."""
        bind = self.binds.get(path)
        raw = getattr(bind, f"{kind}_message", None) if bind else None
        if not raw:
            return None
        itext_id = itext_ref(raw)
        return self.text(itext_id, lang) if itext_id else (raw,)

    def item_label(self, itemset: Itemset, item: Mapping[str, str], lang: str | None = None) -> Parts:
        """The label of one item of an itemset (an itext id or a plain column of the item)."""
        key = item.get(itemset.label_ref, "")
        if itemset.label_is_itext:
            return self.text(key, lang) or (item.get(itemset.value_ref, key),)
        return (key,)

    def field(self, path: str) -> Field:
        """The leaf field at an instance path such as `/data/group/name`; KeyError if there is none."""
        return self._fields[path]

    def fields(self) -> Iterator[Field]:
        """Every leaf of the instance, meta included, in template order."""
        return iter(self._fields.values())

    def control(self, path: str) -> Control | None:
        """The first control bound to `path` in body order (for a repeat, its enclosing group)."""
        return self._controls.get(path)

    def is_note(self, control: Control) -> bool:
        """A note: an input that is always read-only, shown as its label (and value, if calculated)."""
        bind = self.binds.get(control.ref or "")
        return control.kind == "input" and bind is not None and bind.readonly in ("true()", "true")

    @cached_property
    def _controls(self) -> dict[str, Control]:
        index: dict[str, Control] = {}
        for control in walk_controls(self.controls):
            if control.ref:
                index.setdefault(control.ref, control)
        return index

    @cached_property
    def _fields(self) -> dict[str, Field]:
        walk = _walk_template(self.template, ())
        return {
            node.path: self._field(node, above)
            for node, above in walk
            if not node.children and not node.repeat
        }

    def _field(self, node: TemplateNode, ancestors: tuple[str, ...]) -> Field:
        repeats = tuple(path for path in ancestors if path in self.repeats)
        bind, control = self.binds.get(node.path), self._controls.get(node.path)
        return Field(node.path, node.name, bind, control, node.default, ancestors, repeats)


def itext_ref(expression: str) -> str | None:
    """The id in `jr:itext('id')`, or None when the expression is not an itext reference."""
    match = _ITEXT_REF.match(expression)
    return (match.group(1) if match.group(1) is not None else match.group(2)) if match else None


def render_parts(parts: Parts, fill: Callable[[str], str]) -> str:
    """Join a label's parts, asking `fill` for the value of each output expression."""
    return "".join(part if isinstance(part, str) else fill(part.value) for part in parts)


def walk_controls(controls: tuple[Control, ...]) -> Iterator[Control]:
    """Every control, depth first in body order."""
    for control in controls:
        yield control
        yield from walk_controls(control.children)


def _walk_template(node: TemplateNode, ancestors: tuple[str, ...]) -> Iterator[tuple[TemplateNode, tuple]]:
    for child in node.children:
        yield child, ancestors
        yield from _walk_template(child, (*ancestors, child.path))


# (id of the spec, what works it out) -> (the spec, weakly, and the result)
_DERIVED: dict[tuple[int, Callable[[Any], Any]], tuple[weakref.ref[FormSpec], Any]] = {}


def derived(spec: FormSpec, make: Callable[[FormSpec], T]) -> T:
    """What `make` works out from `spec`, made on its first use and kept while the spec lives.

    A spec is frozen and the app keeps one per form version, so tables that depend on the form alone
    (compiled logic, names and types by path) are built on its first submission, not on each. `make`
    must depend on nothing but the spec, and its result must not refer to the spec: this cache would
    then keep the spec alive for ever.
    """
    key = (id(spec), make)
    found = _DERIVED.get(key)
    if found is not None and found[0]() is spec:
        return found[1]
    value = make(spec)
    _DERIVED[key] = (weakref.ref(spec, lambda _: _DERIVED.pop(key, None)), value)
    return value
