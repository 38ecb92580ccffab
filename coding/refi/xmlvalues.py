"""QDA-XML lexical values (GUIDs, booleans, dates, variable values), hardened parsing, and building XML."""

import math
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from coding.errors import RefiError
from coding.refi.model import Value

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_GUID = re.compile(r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?")
_COLOR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Names that are not GUIDs ("c001", as some tools write) become the same GUID every time they are written.
_FOREIGN_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/humus/refi-qda/foreign-ids")


def parse_xml(data: bytes, name: str) -> Element:
    """Parse XML refusing entities and external references, and drop namespaces from tags.

    Tools disagree on namespaces (the codebook one is written `...:1.0`, `...:1:0` or not at all), so the
    reader matches local names only.
    """
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as err:
        raise RefiError(
            f"'{name}' dichiara entità o riferimenti esterni XML, rifiutati per sicurezza. / "
            f"'{name}' declares XML entities or external references, refused for safety."
        ) from err
    except ParseError as err:
        raise RefiError(f"'{name}' non è XML valido ({err}). / '{name}' is not valid XML ({err}).") from err
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]
    return root


def add_element(
    parent: Element | None, tag: str, attributes: dict[str, str | None] | None = None, text: str | None = None
) -> Element:
    """A new element under `parent`, leaving out None attributes; a root takes its namespace from "{ns}Name".

    Tags stay unqualified under a root that declares the default namespace with an `xmlns` attribute:
    ElementTree cannot write a default namespace next to unqualified attributes otherwise.
    """
    kept = {name: xml_text(value) for name, value in (attributes or {}).items() if value is not None}
    if parent is None:
        namespace, _, tag = tag[1:].partition("}")
        element = Element(tag, {"xmlns": namespace, **kept})
    else:
        element = SubElement(parent, tag, kept)
    if text is not None:
        element.text = xml_text(text)
    return element


def serialize(root: Element) -> bytes:
    """Indented UTF-8 XML with a declaration (no element of QDA-XML mixes text and children)."""
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def read_guid(value: str | None) -> str | None:
    """A GUID in one form for matching (lower case, no braces); anything else stripped but kept."""
    if value is None or not value.strip():
        return None
    match = _GUID.fullmatch(value.strip())
    return match.group(1).lower() if match else value.strip()


def write_guid(value: str) -> str:
    """A GUID as the schema wants it (upper case, as the REFI examples); other ids become a stable GUID."""
    match = _GUID.fullmatch(value.strip())
    if match:
        return match.group(1).upper()
    return str(uuid.uuid5(_FOREIGN_IDS, value)).upper()


def read_bool(value: str | None, default: bool) -> bool:
    """xsd:boolean ("true", "false", "1", "0"), or the default when missing or unreadable."""
    return _BOOLEANS.get((value or "").strip().lower(), default)


def read_int(value: str | None) -> int | None:
    """xsd:integer, or None when missing or unreadable."""
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def read_datetime(value: str | None) -> datetime | None:
    """xsd:dateTime ("2019-03-18T10:00:00Z", up to 7 decimals as .NET writes), or None."""
    text = (value or "").strip()
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Python keeps microseconds
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def write_datetime(value: datetime) -> str:
    """xsd:dateTime; UTC is written with a Z."""
    offset, text = value.utcoffset(), value.isoformat()
    return text.removesuffix("+00:00") + "Z" if offset is not None and not offset else text


def write_color(value: str | None) -> str | None:
    """A colour the schema accepts, or None (the attribute is then left out)."""
    return value if value is not None and _COLOR.fullmatch(value.strip()) else None


def xml_text(value: str) -> str:
    """Text without the control characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


def read_value(element: Element | None) -> Value:
    """The Python value of a VariableValue's TextValue, BooleanValue, ... element (its text if unreadable)."""
    if element is None:
        return None
    text = element.text or ""
    readers = {
        "BooleanValue": lambda: _BOOLEANS[text.strip().lower()],
        "IntegerValue": lambda: int(text.strip()),
        "FloatValue": lambda: float(text.strip()),
        "DateValue": lambda: date.fromisoformat(text.strip()[:10]),
        "DateTimeValue": lambda: _strict_datetime(text),
    }
    try:
        return readers.get(element.tag, lambda: text)()
    except (KeyError, ValueError):
        return text


def write_value(value: Value) -> tuple[str, str] | None:
    """The element name and text for a variable value, or None when there is no value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "BooleanValue", "true" if value else "false"
    if isinstance(value, int):
        return "IntegerValue", str(value)
    if isinstance(value, float | Decimal):
        return "FloatValue", _decimal(value)
    if isinstance(value, datetime):
        return "DateTimeValue", write_datetime(value)
    if isinstance(value, date):
        return "DateValue", value.isoformat()
    return "TextValue", xml_text(str(value))


def _decimal(value: float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise RefiError(
            f"Il valore {value} non si può scrivere come numero REFI. / The value {value} cannot be written "
            "as a REFI number."
        )
    number = Decimal(repr(value)) if isinstance(value, float) else value
    return format(number, "f")  # xsd:decimal has no exponent


def _strict_datetime(text: str) -> datetime:
    parsed = read_datetime(text)
    if parsed is None:
        raise ValueError(text)
    return parsed
