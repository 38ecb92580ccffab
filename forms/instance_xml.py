"""An instance written as UTF-8 XML bytes, byte for byte as `ElementTree.tostring` writes it, but faster.

ElementTree first walks the whole tree to collect namespaces, then writes it piece by piece through a text
wrapper. An instance from the codec or the engine uses plain names and string values only, so one walk
writing into a list does the same job; any tree outside that case is left to ElementTree itself.
"""

from collections.abc import Callable
from xml.etree import ElementTree as ET  # noqa: S405 - to serialise; parsing goes through defusedxml

_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"


class _Unusual(Exception):
    """A tree the fast writer does not handle: namespaces, comments, values that are not strings."""


def instance_to_xml(root: ET.Element) -> bytes:
    """The instance as UTF-8 XML bytes, as ODK clients submit it."""
    parts = [_DECLARATION]
    try:
        _write(root, parts.append)
    except _Unusual:
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)
    # ElementTree writes through a text wrapper with the same error handler.
    return "".join(parts).encode("utf-8", "xmlcharrefreplace")


def _write(element: ET.Element, write: Callable[[str], None]) -> None:
    # One string per element where ElementTree writes several, and leaves written by their parent's loop:
    # an instance is mostly leaves.
    tag = element.tag
    if type(tag) is not str or "{" in tag:
        raise _Unusual
    start = "<" + tag
    for name, value in element.items():
        if type(name) is not str or type(value) is not str or "{" in name:
            raise _Unusual
        start += f' {name}="{_escape_attribute(value)}"'
    text = _text(element.text)
    if len(element):
        write(start + ">" + text)
        for child in element:
            child_tag = child.tag
            if len(child) or child.tail or type(child_tag) is not str or "{" in child_tag or child.items():
                _write(child, write)
                continue
            child_text = _text(child.text)
            if child_text:
                write(f"<{child_tag}>{child_text}</{child_tag}>")
            else:
                write(f"<{child_tag} />")
        write("</" + tag + ">")
    elif text:
        write(f"{start}>{text}</{tag}>")
    else:
        write(start + " />")
    tail = element.tail
    if tail:
        if type(tail) is not str:
            raise _Unusual
        write(_escape_text(tail))


def _text(text: object) -> str:
    """An element's text as written, '' for none."""
    if text is None:
        return ""
    if type(text) is not str:
        raise _Unusual
    if "&" in text or "<" in text or ">" in text:
        return _escape_text(text)
    return text


def _escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _escape_attribute(text: str) -> str:
    text = _escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    # As ElementTree: line ends and tabs inside a value are written as character references.
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text
