"""Read the `<h:body>` of an XForm (controls in body order, and the actions they hold) into FormSpec parts."""

import re
from xml.etree.ElementTree import Element  # noqa: S405 - a type only; parsing goes through defusedxml

from forms.spec import (
    MEDIA_FORMS,
    NAMESPACES,
    XFORMS,
    Choice,
    Control,
    Itemset,
    Output,
    Parts,
    Setvalue,
    itext_ref,
)

JR, ODK, EV = NAMESPACES["jr"], NAMESPACES["odk"], NAMESPACES["ev"]
_PREFIXES = {uri: prefix for prefix, uri in NAMESPACES.items()} | {XFORMS: ""}
_XFORMS_CONTROLS = ("input", "select1", "select", "upload", "trigger", "range", "secret", "textarea")
_KINDS = {f"{{{XFORMS}}}{name}": name for name in (*_XFORMS_CONTROLS, "group", "repeat")} | {
    f"{{{ODK}}}rank": "rank"
}
_ACTIONS = {
    f"{{{XFORMS}}}setvalue": "setvalue",
    f"{{{ODK}}}setgeopoint": "odk:setgeopoint",
    f"{{{ODK}}}recordaudio": "odk:recordaudio",
}
_OWN_ATTRIBUTES = {"ref", "nodeset", "appearance", "mediatype", f"{{{JR}}}count", f"{{{JR}}}noAddRemove"}
_LABEL, _HINT, _ITEM, _ITEMSET, _VALUE = (
    f"{{{XFORMS}}}{name}" for name in ("label", "hint", "item", "itemset", "value")
)
_JR_COUNT, _JR_NO_ADD_REMOVE = f"{{{JR}}}count", f"{{{JR}}}noAddRemove"
_ITEXT_CALL = re.compile(r"^\s*jr:itext\(\s*([^)]*?)\s*\)\s*$")
_INSTANCE_CALL = re.compile(r"""instance\(\s*['"]([^'"]+)['"]\s*\)""")

Translations = dict[str, dict[str, dict[str, Parts]]]


def read_body(body: Element, translations: Translations) -> tuple[tuple[Control, ...], tuple[Setvalue, ...]]:
    """The controls of the body in order, and every action found inside them."""
    actions: list[Setvalue] = []
    return _controls(body, translations, actions), tuple(actions)


def action_of(element: Element, control: str | None) -> Setvalue | None:
    """A setvalue-like action element as a Setvalue, or None for any other element."""
    action = _ACTIONS.get(element.tag)
    if action is None:
        return None
    events = element.get("event") or element.get(f"{{{EV}}}event") or ""
    value = element.get("value")
    # XForms: the value attribute wins; otherwise the element's text is a literal.
    literal = (element.text or None) if value is None else None
    ref = element.get("ref") or element.get("bind") or ""
    return Setvalue(ref, tuple(events.split()), value, literal, control, action)


def local(tag: str) -> str:
    """An element or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def prefixed(name: str) -> str:
    """A Clark name such as `{http://openrosa.org/javarosa}count` written the usual way, `jr:count`."""
    if not name.startswith("{"):
        return name
    uri, _, rest = name[1:].partition("}")
    prefix = _PREFIXES.get(uri, uri)
    return f"{prefix}:{rest}" if prefix else rest


def parts_of(element: Element) -> Parts:
    """Mixed text and `<output>` children as a part list; other inline markup keeps only its text."""
    if not len(element):  # the common case: plain text
        return (element.text,) if element.text else ()
    parts: list[str | Output] = [element.text or ""]
    for child in element:
        if local(child.tag) == "output":
            parts.append(Output(child.get("value") or child.get("ref") or ""))
        else:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    merged: list[str | Output] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(part for part in merged if part != "")


def _controls(parent: Element, translations: Translations, actions: list[Setvalue]) -> tuple[Control, ...]:
    return tuple(
        _control(element, _KINDS[element.tag], translations, actions)
        for element in parent
        if element.tag in _KINDS
    )


def _control(element: Element, kind: str, translations: Translations, actions: list[Setvalue]) -> Control:
    ref = element.get("ref") or element.get("nodeset")
    # One pass over the children instead of a path search per part: a form has thousands of controls.
    label_element = hint_element = itemset_element = None
    items: list[Element] = []
    for child in element:
        tag = child.tag
        if tag == _LABEL:
            label_element = child if label_element is None else label_element
        elif tag == _HINT:
            hint_element = child if hint_element is None else hint_element
        elif tag == _ITEM:
            items.append(child)
        elif tag == _ITEMSET:
            itemset_element = child if itemset_element is None else itemset_element
        elif tag in _ACTIONS:
            actions.append(action_of(child, ref))  # type: ignore[arg-type] - an action element gives one
    label, label_id = _text(label_element)
    hint, hint_id = _text(hint_element)
    attributes = element.attrib
    return Control(
        kind=kind,
        ref=ref,
        appearance=attributes.get("appearance"),
        label=label,
        label_id=label_id,
        hint=hint,
        hint_id=hint_id,
        media=_media(label_id, translations),
        mediatype=attributes.get("mediatype"),
        choices=tuple(_choice(item) for item in items),
        itemset=_itemset(itemset_element),
        repeat_count=attributes.get(_JR_COUNT),
        no_add_remove=attributes.get(_JR_NO_ADD_REMOVE),
        extra={prefixed(k): v for k, v in attributes.items() if k not in _OWN_ATTRIBUTES}
        if attributes
        else {},
        children=_controls(element, translations, actions) if kind in ("group", "repeat") else (),
    )


def _text(element: Element | None) -> tuple[Parts, str | None]:
    if element is None:
        return (), None
    ref = element.get("ref")
    if ref is None:
        return parts_of(element), None
    itext_id = itext_ref(ref)
    # A label may also point at an instance node: show its value as an output.
    return ((), itext_id) if itext_id is not None else ((Output(ref),), None)


def _choice(item: Element) -> Choice:
    label_element = value = None
    for child in item:
        if child.tag == _LABEL and label_element is None:
            label_element = child
        elif child.tag == _VALUE and value is None:
            value = child.text or ""
    label, label_id = _text(label_element)
    return Choice((value or "").strip(), label, label_id)


def _itemset(element: Element | None) -> Itemset | None:
    if element is None:
        return None
    nodeset = element.get("nodeset", "")
    value = element.find(f"{{{XFORMS}}}value")
    label = element.find(f"{{{XFORMS}}}label")
    label_ref = "" if label is None else label.get("ref", "")
    itext_call = _ITEXT_CALL.match(label_ref)
    instance_call = _INSTANCE_CALL.search(nodeset)
    return Itemset(
        nodeset=nodeset,
        value_ref="" if value is None else value.get("ref", ""),
        label_ref=itext_call.group(1) if itext_call else label_ref,
        label_is_itext=itext_call is not None,
        instance_id=instance_call.group(1) if instance_call else None,
    )


def _media(label_id: str | None, translations: Translations) -> dict[str, dict[str, str]]:
    if label_id is None:
        return {}
    media = {}
    for lang, texts in translations.items():
        forms = texts.get(label_id, {})
        found = {
            form: "".join(p for p in forms[form] if isinstance(p, str))
            for form in MEDIA_FORMS
            if form in forms
        }
        if found:
            media[lang] = found
    return media
