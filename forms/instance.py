"""The submission codec: the JSON data of the API (DESIGN.md) to the XForm instance XML and back."""

# Decisions, the same in both directions:
# - an empty answer is omitted from the JSON; on the way in None, "" and [] all mean "not answered".
#   A group with no answers is omitted too, while a repeat keeps every instance (an empty one is {}),
#   because count() over a repeat must not change on the way through.
# - int becomes a JSON int, decimal a JSON float (the XML keeps the text as written, e.g. "12.50"),
#   boolean a bool, select_multiple and rank a list; every other type (dates too) stays a string.
# - meta belongs to the server: it is left out of the JSON and refused in it; the instanceID comes
#   beside the data, and a "uuid:" one is made when it is missing.
# - template defaults are not applied: an omitted answer is an empty element, so the stored record
#   says only what was sent. A new fill starts from FormSpec.instance_xml, defaults included.

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - to build and serialise; parsing goes through defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from forms.errors import FormError
from forms.instance_digest import answers_digest
from forms.instance_shape import META, CodecNode, codec_root, local
from forms.instance_values import MESSAGES, ValueProblem, decode_value, encode_value, is_empty
from forms.instance_xml import instance_to_xml
from forms.spec import MULTIPLE_TYPES, NAMESPACES, XFORMS, FormSpec, TemplateNode

__all__ = [
    "META",
    "InstanceDataError",
    "answers_digest",
    "data_from_instance",
    "instance_from_data",
    "instance_from_xml",
    "instance_id",
    "instance_to_xml",
]

Problem = tuple[str, str, str]
_TEMPLATE = f"{{{NAMESPACES['jr']}}}template"
_MESSAGES = {
    "not_object": ("the data must be an object keyed by field name",
                   "i dati devono essere un oggetto per nome di campo"),
    "instance_id": ("instanceID must be non-empty text", "instanceID deve essere un testo non vuoto"),
    "meta": ("meta is filled in by the server: send instanceID beside data",
             "meta è compilato dal server: inviare instanceID accanto a data"),
    "unknown": ("'{name}' is not a field of this form", "'{name}' non è un campo di questo modulo"),
    "group": ("expected an object with the group's fields", "atteso un oggetto con i campi del gruppo"),
    "repeat": ("expected a list of objects, one per repeat",
               "attesa una lista di oggetti, uno per ripetizione"),
    "single": ("expected a single value, not an object or a list",
               "atteso un solo valore, non un oggetto o una lista"),
    "twice": ("appears more than once but is not a repeat", "compare più volte ma non è una ripetizione"),
    "nested": ("expected a value, found nested elements", "atteso un valore, trovati elementi annidati"),
    "dtd": ("a submission may not declare a DTD or entities", "un invio non può dichiarare DTD o entità"),
    "xml": ("the submission is not well-formed XML (line {line}, column {column})",
            "l'invio non è XML ben formato (riga {line}, colonna {column})"),
    "root": ("the submission's root is <{name}>, the form's is <{expected}>",
             "la radice dell'invio è <{name}>, quella del modulo è <{expected}>"),
    "form_id": ("the submission is for form '{name}', not '{expected}'",
                "l'invio è per il modulo '{name}', non '{expected}'"),
    "version": ("the submission is for version '{name}' of the form, not '{expected}'",
                "l'invio è per la versione '{name}' del modulo, non '{expected}'"),
} | MESSAGES  # fmt: skip


class InstanceDataError(FormError):
    """Data or XML that does not fit the form; `problems` lists (field path, English, Italian) messages."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{path}: {english}" for path, english, _ in self.problems))


def instance_from_data(spec: FormSpec, data: Mapping[str, Any], instance_id: str | None = None) -> ET.Element:
    """Build the XML instance of `data` (keyed by field name) in template order, with its instanceID."""
    root_path = spec.template.path
    if not isinstance(data, Mapping):
        raise InstanceDataError([_problem(root_path, "not_object")])
    if instance_id is not None and (not isinstance(instance_id, str) or not instance_id.strip()):
        raise InstanceDataError([_problem(root_path, "instance_id")])
    encoder = _Encoder()
    root = encoder.group(codec_root(spec), data, root_path)
    if encoder.problems:
        raise InstanceDataError(encoder.problems)
    _set_instance_id(spec, root, instance_id or f"uuid:{uuid.uuid4()}")
    return root


def data_from_instance(spec: FormSpec, root: ET.Element) -> dict[str, Any]:
    """The JSON projection of an XML instance, typed by the binds; the inverse of `instance_from_data`."""
    decoder = _Decoder()
    data = decoder.group(codec_root(spec), root, spec.template.path)
    if decoder.problems:
        raise InstanceDataError(decoder.problems)
    return data


def instance_from_xml(spec: FormSpec, xml: bytes) -> ET.Element:
    """Parse a submitted instance (no DTD, no entities) and check it answers this form and version."""
    root = _parse(spec, xml)
    for element in root.iter():
        # Some clients keep the XForms namespace; the codec and the engine work on plain names.
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{XFORMS}}}"):
            element.tag = element.tag.rsplit("}", 1)[1]
    problems = _identity_problems(spec, root)
    if problems:
        raise InstanceDataError(problems)
    return root


def instance_id(spec: FormSpec, root: ET.Element) -> str | None:
    """The instanceID an instance carries, or None."""
    element = _find(root, spec.submission.instance_id_path)
    return (element.text or None) if element is not None else None


def _problem(at: str, kind: str, **values: str) -> Problem:
    """A (field path, English, Italian) problem from the message table."""
    english, italian = _MESSAGES[kind]
    return at, english.format(**values), italian.format(**values)


class _Walk:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def _add(self, at: str, kind: str, **values: str) -> None:
        self.problems.append(_problem(at, kind, **values))


# Paths are built only for groups and repeats, and for fields when they have a problem to report.
class _Encoder(_Walk):
    def group(self, node: CodecNode, data: Mapping[str, Any], at: str) -> ET.Element:
        element = _element(node.template)
        self._check_keys(node, data, at)
        for child in node.children:
            kind = child.kind
            if kind == "field":
                value = data.get(child.name)
                template = child.template
                if template.attributes:  # ElementTree copies the attributes it is given
                    leaf = ET.SubElement(element, template.tag, template.attributes)
                else:
                    leaf = ET.SubElement(element, template.tag)
                if value is None:
                    continue  # not answered
                if type(value) not in _PLAIN:
                    self.leaf(child, leaf, value, at)
                    continue
                try:
                    leaf.text = child.encode(value) or None
                except ValueProblem as error:
                    self._add(f"{at}/{child.name}", error.kind)
            elif kind == "meta":
                element.append(_from_template(child.template))
            elif kind == "repeat":
                element.extend(self.repeat(child, data.get(child.name), f"{at}/{child.name}"))
            else:
                child_at = f"{at}/{child.name}"
                element.append(self.group(child, self._mapping(data.get(child.name), child_at), child_at))
        return element

    def repeat(self, node: CodecNode, value: Any, at: str) -> list[ET.Element]:
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            self._add(at, "repeat")
            return []
        items = [(f"{at}[{n}]", item) for n, item in enumerate(value, 1)]
        return [self.group(node, self._mapping(item, item_at), item_at) for item_at, item in items]

    def leaf(self, node: CodecNode, element: ET.Element, value: Any, parent_at: str) -> None:
        """Fill a leaf with an answer that is an object, a list or another uncommon value."""
        value_type = node.value_type
        wrong_shape = isinstance(value, list | tuple) and value_type not in MULTIPLE_TYPES
        if isinstance(value, Mapping) or (wrong_shape and not is_empty(value)):
            self._add(f"{parent_at}/{node.name}", "single")
            return
        try:
            element.text = encode_value(value, value_type) or None
        except ValueProblem as error:
            self._add(f"{parent_at}/{node.name}", error.kind)

    def _check_keys(self, node: CodecNode, data: Mapping[str, Any], at: str) -> None:
        names = node.names
        for key in data:
            if node.top and key == META:
                self._add(f"{at}/{key}", "meta")
            elif key not in names:
                self._add(f"{at}/{key}", "unknown", name=key)

    def _mapping(self, value: Any, at: str) -> Mapping[str, Any]:
        if value is None or isinstance(value, Mapping):
            return value or {}
        self._add(at, "group")
        return {}


class _Decoder(_Walk):
    def group(self, node: CodecNode, element: ET.Element, at: str) -> dict[str, Any]:
        found = self._children(node, element, at)
        data = {}
        for child in node.children:
            kind = child.kind
            if kind == "meta":
                continue
            elements = found.get(child.name, _NONE)
            if kind == "field" and len(elements) == 1 and not len(elements[0]):  # the common case
                text = elements[0].text
                if text:
                    try:
                        data[child.name] = child.decode(text)
                    except ValueProblem as error:
                        self._add(f"{at}/{child.name}", error.kind)
                continue
            value = self._value(child, elements, at)
            if value is not None:
                data[child.name] = value
        return data

    def _value(self, node: CodecNode, elements: list[ET.Element], parent_at: str) -> Any:
        if node.kind == "repeat":
            at = f"{parent_at}/{node.name}"
            return [self.group(node, element, f"{at}[{n}]") for n, element in enumerate(elements, 1)] or None
        if len(elements) > 1:
            self._add(f"{parent_at}/{node.name}", "twice")
        if not elements:
            return None
        if node.kind == "group":
            return self.group(node, elements[0], f"{parent_at}/{node.name}") or None
        return self._leaf(node, elements[0], parent_at)

    def _leaf(self, node: CodecNode, element: ET.Element, parent_at: str) -> Any:
        if len(element):
            self._add(f"{parent_at}/{node.name}", "nested")
        if not element.text:
            return None
        try:
            return decode_value(element.text, node.value_type)
        except ValueProblem as error:
            self._add(f"{parent_at}/{node.name}", error.kind)
            return None

    def _children(self, node: CodecNode, element: ET.Element, at: str) -> dict[str, list[ET.Element]]:
        names, tags = node.names, node.tags
        found: dict[str, list[ET.Element]] = {}
        for child in element:
            name = tags.get(child.tag) or local(child.tag)
            if name not in names:
                self._add(f"{at}/{name}", "unknown", name=name)
            elif child.get(_TEMPLATE) is None:
                same = found.get(name)
                if same is None:
                    found[name] = [child]
                else:
                    same.append(child)
        return found


# JSON values that are neither an object nor a list: `leaf` needs no shape check for them.
_PLAIN = frozenset({str, int, float, bool})
_NONE: list[ET.Element] = []


def _element(node: TemplateNode) -> ET.Element:
    # ElementTree copies the attributes it is given.
    return ET.Element(node.tag, node.attributes) if node.attributes else ET.Element(node.tag)


def _from_template(node: TemplateNode) -> ET.Element:
    element = ET.Element(node.tag, dict(node.attributes))
    element.text = node.default or None
    element.extend(_from_template(child) for child in node.children)
    return element


def _find(root: ET.Element, path: str | None) -> ET.Element | None:
    if not path:
        return None
    element: ET.Element | None = root
    for name in path.split("/")[2:]:
        element = _child_named(element, name)  # type: ignore[arg-type]
        if element is None:
            return None
    return element


def _child_named(element: ET.Element, name: str) -> ET.Element | None:
    """The first child whose local name is `name`."""
    if not name or "}" in name:
        return next((child for child in element if local(child.tag) == name), None)
    for child in element:
        tag = child.tag  # local(tag) == name, without a call for each plain tag
        if tag == name or (type(tag) is str and "}" in tag and local(tag) == name):
            return child
    return None


def _set_instance_id(spec: FormSpec, root: ET.Element, value: str) -> None:
    element = _find(root, spec.submission.instance_id_path)
    if element is not None:
        element.text = value


def _parse(spec: FormSpec, xml: bytes) -> ET.Element:
    try:
        return fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise InstanceDataError([_problem(spec.template.path, "dtd")]) from None
    except ET.ParseError as error:
        line, column = (str(n) for n in error.position)
        raise InstanceDataError([_problem(spec.template.path, "xml", line=line, column=column)]) from None


def _identity_problems(spec: FormSpec, root: ET.Element) -> list[Problem]:
    found = {"root": local(root.tag), "form_id": root.get("id") or "", "version": root.get("version") or ""}
    expected = {"root": spec.root_name, "form_id": spec.form_id, "version": spec.version or ""}
    # A different form makes a version mismatch meaningless: report it alone.
    kinds = [kind for kind in ("root", "form_id", "version") if found[kind] != expected[kind]]
    if "form_id" in kinds:
        kinds = [kind for kind in kinds if kind != "version"]
    return [_problem(spec.template.path, k, name=found[k], expected=expected[k]) for k in kinds]
