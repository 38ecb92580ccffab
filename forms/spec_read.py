"""Read the XForm XML that pyxform produces (or any ODK XForm) into a FormSpec."""

import copy
from collections.abc import Iterator
from xml.etree import ElementTree as ET  # noqa: S405 - only to build and serialise; parsing goes through defusedxml

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from forms.errors import FormError
from forms.spec import (
    NAMESPACES,
    XFORMS,
    Bind,
    Control,
    Entity,
    FormSpec,
    Parts,
    SecondaryInstance,
    Setvalue,
    Submission,
    TemplateNode,
    walk_controls,
)
from forms.spec_body import action_of, local, parts_of, prefixed, read_body

H, JR, ODK, ENTITIES = (NAMESPACES[p] for p in ("h", "jr", "odk", "entities"))
_BIND_FIELDS = {
    "type": "xml_type",
    "relevant": "relevant",
    "required": "required",
    "constraint": "constraint",
    "calculate": "calculate",
    "readonly": "readonly",
    f"{{{JR}}}requiredMsg": "required_message",
    f"{{{JR}}}constraintMsg": "constraint_message",
    f"{{{JR}}}preload": "preload",
    f"{{{JR}}}preloadParams": "preload_params",
    f"{{{JR}}}saveIncomplete": "save_incomplete",
    f"{{{ENTITIES}}}saveto": "saveto",
}
_XFORMS_NS, _JR_TEMPLATE = f"{{{XFORMS}}}", f"{{{JR}}}template"
_CONTROL_TYPES = {"select": "select", "select1": "select1", "rank": "rank"}
_TYPE_ALIASES = {"integer": "int", "": "string"}

for _prefix in ("jr", "orx", "odk", "entities"):
    ET.register_namespace(_prefix, NAMESPACES[_prefix])


class XFormError(FormError):
    """The XForm cannot be read: not well-formed, or missing a part every XForm has."""


def read_xform(xml: str | bytes | ET.Element) -> FormSpec:
    """Read an XForm into a FormSpec; raise XFormError when it is malformed or incomplete.

    An Element is taken as the XForm already parsed (its <h:html>, parsed without DTD or entities); it is
    only read, never changed."""
    html = xml if isinstance(xml, ET.Element) else _parse(xml)
    model = _require(html, f"{{{H}}}head/{{{XFORMS}}}model", "<model>")
    primary = _primary_root(model)
    body = html.find(f"{{{H}}}body")
    translations, languages, default_language = _read_itext(model)
    controls, body_actions = read_body(body if body is not None else ET.Element("body"), translations)
    repeats = _repeats(controls, primary)
    template = _read_template(primary, f"/{local(primary.tag)}", repeats)
    return FormSpec(
        form_id=_form_id(primary),
        version=primary.get("version") or primary.get(f"{{{NAMESPACES['orx']}}}version"),
        title=(html.findtext(f"{{{H}}}head/{{{H}}}title") or "").strip(),
        root_name=local(primary.tag),
        instance_xml=_instance_xml(primary),
        template=template,
        binds=_read_binds(model, controls),
        controls=controls,
        secondary_instances=_read_secondary(model),
        translations=translations,
        languages=languages,
        default_language=default_language,
        setvalues=(*_model_actions(model), *body_actions),
        repeats=repeats,
        submission=_read_submission(model, template),
        entity=_read_entity(model, template),
    )


def parse_xml(xml: str | bytes) -> ET.Element:
    """Parse XML refusing any DTD (so any entity): DefusedXmlException, or ParseError when not well-formed.

    A DTD can only be declared by a <!DOCTYPE>, and without one XML has no entities but its five built-in
    ones: text without that declaration goes to expat's C tree builder directly, three times faster than
    defusedxml's Python one. Anything else (bytes, which may be in any encoding) goes through defusedxml."""
    if isinstance(xml, str) and "<!DOCTYPE" not in xml:
        return ET.fromstring(xml)  # noqa: S314 - no DOCTYPE, so no DTD and no entities to expand
    return fromstring(xml, forbid_dtd=True)


def _parse(xml: str | bytes) -> ET.Element:
    try:
        return parse_xml(xml)
    except DefusedXmlException as error:
        raise XFormError("The XForm may not declare a DTD or entities.") from error
    except ET.ParseError as error:
        line, column = error.position
        raise XFormError(f"The XForm is not well-formed XML (line {line}, column {column}).") from error


def _require(parent: ET.Element, path: str, what: str) -> ET.Element:
    found = parent.find(path)
    if found is None:
        raise XFormError(f"The XForm has no {what}.")
    return found


def _primary_root(model: ET.Element) -> ET.Element:
    instance = _require(model, f"{{{XFORMS}}}instance", "primary <instance>")
    roots = list(instance)
    if len(roots) != 1:
        raise XFormError("The primary <instance> must hold exactly one root element.")
    return roots[0]


def _form_id(primary: ET.Element) -> str:
    form_id = primary.get("id")
    if not form_id:
        raise XFormError(f"The instance root <{local(primary.tag)}> has no id attribute (the form id).")
    return form_id


def _read_itext(model: ET.Element) -> tuple[dict, tuple[str, ...], str | None]:
    translations: dict[str, dict[str, dict[str, Parts]]] = {}
    default_language = None
    for translation in model.iterfind(f"{{{XFORMS}}}itext/{{{XFORMS}}}translation"):
        lang = translation.get("lang", "")
        texts = translations.setdefault(lang, {})
        for text in translation.iterfind(f"{{{XFORMS}}}text"):
            forms = texts.setdefault(text.get("id", ""), {})
            for value in text.iterfind(f"{{{XFORMS}}}value"):
                forms[value.get("form", "default")] = parts_of(value)
        if translation.get("default") and default_language is None:
            default_language = lang
    languages = tuple(translations)
    # Without a default="true()" mark, ODK clients start in the first language.
    return translations, languages, default_language or (languages[0] if languages else None)


def _repeats(controls: tuple[Control, ...], primary: ET.Element) -> frozenset[str]:
    in_body = {c.ref for c in walk_controls(controls) if c.kind == "repeat" and c.ref}
    marked = {path for element, path in _elements(primary, "") if element.get(_JR_TEMPLATE) is not None}
    return frozenset(in_body | marked)


def _elements(element: ET.Element, parent: str) -> Iterator[tuple[ET.Element, str]]:
    path = f"{parent}/{local(element.tag)}"
    yield element, path
    for child in element:
        yield from _elements(child, path)


def _read_template(element: ET.Element, path: str, repeats: frozenset[str]) -> TemplateNode:
    children: dict[str, TemplateNode] = {}
    for child in element:
        child_path = f"{path}/{local(child.tag)}"
        # A repeat is written as its jr:template, then the instances the form starts with: keep the first.
        if child_path not in children:
            children[child_path] = _read_template(child, child_path, repeats)
    attributes = {k: v for k, v in element.attrib.items() if k != _JR_TEMPLATE} if element.attrib else {}
    default = "" if children else (element.text or "")
    tag = local(element.tag) if element.tag.startswith(_XFORMS_NS) else element.tag
    return TemplateNode(tag, path, default, attributes, path in repeats, tuple(children.values()))


def _instance_xml(primary: ET.Element) -> str:
    template = copy.deepcopy(primary)
    for element in template.iter():
        # The XForms namespace is only inherited from <h:html>; submissions carry no namespace.
        if element.tag.startswith(f"{{{XFORMS}}}"):
            element.tag = local(element.tag)
    return ET.tostring(template, encoding="unicode")


def _read_binds(model: ET.Element, controls: tuple[Control, ...]) -> dict[str, Bind]:
    attributes: dict[str, dict[str, str]] = {}
    for bind in model.iterfind(f"{{{XFORMS}}}bind"):
        path = bind.get("nodeset") or bind.get("ref")
        if path:
            # Several binds may target one node; later attributes add to earlier ones.
            attributes.setdefault(path, {}).update(bind.attrib)
    kinds = {c.ref: c.kind for c in walk_controls(controls) if c.ref}
    return {path: _bind(path, attrs, kinds.get(path)) for path, attrs in attributes.items()}


def _bind(path: str, attrs: dict[str, str], control_kind: str | None) -> Bind:
    known = {_BIND_FIELDS[k]: v for k, v in attrs.items() if k in _BIND_FIELDS}
    extra = {
        prefixed(k): v for k, v in attrs.items() if k not in _BIND_FIELDS and k not in ("nodeset", "ref")
    }
    xml_type = attrs.get("type", "string")
    known["xml_type"] = xml_type
    return Bind(path, type=_value_type(xml_type, control_kind), extra=extra, **known)


def _value_type(xml_type: str, control_kind: str | None) -> str:
    base = local(xml_type.rpartition(":")[2])
    base = _TYPE_ALIASES.get(base, base)
    # pyxform types every select "string": the control tells a select_multiple from a select_one.
    if base == "string" and control_kind in _CONTROL_TYPES:
        return _CONTROL_TYPES[control_kind]
    return base


def _read_secondary(model: ET.Element) -> dict[str, SecondaryInstance]:
    secondary = {}
    for instance in model.iterfind(f"{{{XFORMS}}}instance"):
        instance_id = instance.get("id")
        if instance_id:
            root = next(iter(instance), None)
            items = None if root is None else tuple(_item(item) for item in root)
            secondary[instance_id] = SecondaryInstance(instance_id, instance.get("src"), items)
    return secondary


def _item(element: ET.Element) -> dict[str, str]:
    return {local(child.tag): child.text or "" for child in element}


def _model_actions(model: ET.Element) -> Iterator[Setvalue]:
    for element in model:
        action = action_of(element, control=None)
        if action:
            yield action


def _read_submission(model: ET.Element, template: TemplateNode) -> Submission:
    element = model.find(f"{{{XFORMS}}}submission")
    attrs = {} if element is None else dict(element.attrib)
    meta = _child(template, "meta")
    instance_id = _child(meta, "instanceID") if meta is not None else None
    return Submission(
        instance_id_path=instance_id.path if instance_id else None,
        action=attrs.pop("action", None),
        method=attrs.pop("method", None),
        public_key=attrs.pop("base64RsaPublicKey", None),
        extra={prefixed(k): v for k, v in attrs.items()},
    )


def _read_entity(model: ET.Element, template: TemplateNode) -> Entity | None:
    meta = _child(template, "meta")
    entity = _child(meta, "entity") if meta is not None else None
    if entity is None:
        return None
    attributes = dict(entity.attributes)
    dataset = attributes.pop("dataset", "")
    return Entity(entity.path, dataset, model.get(f"{{{ENTITIES}}}entities-version"), attributes)


def _child(node: TemplateNode, name: str) -> TemplateNode | None:
    return next((child for child in node.children if child.name == name), None)
