"""instance_to_xml writes, byte for byte, what ElementTree writes for the same tree."""

import xml.etree.ElementTree as ET

import pytest
from defusedxml.ElementTree import fromstring

from forms.instance import instance_to_xml


def plain() -> ET.Element:
    return fromstring(
        '<data id="f" version="2"><a>1</a><b/><g><c>x</c></g><m><instanceID>u</instanceID></m></data>'
    )


def escaped() -> ET.Element:
    root = ET.Element("data", {"note": 'a "b" <c> & d\ne\r\tf', "id": "x"})
    ET.SubElement(root, "t").text = "1 < 2 & 3 > 2 \"ok\" 'ok'"
    ET.SubElement(root, "u").text = "città, naïve, 日本, 😀"
    return root


def with_tails() -> ET.Element:
    root = fromstring("<data>\n  <a>1</a>\n  <b>2</b> after &amp; more\n</data>")
    root.tail = "end"
    return root


def namespaced() -> ET.Element:
    return fromstring(
        '<data xmlns:orx="http://openrosa.org/xforms" orx:version="1"><orx:meta><orx:instanceID>u</orx:instanceID>'
        "</orx:meta></data>"
    )


def with_comment() -> ET.Element:
    root = ET.Element("data")
    root.append(ET.Comment(" a note "))
    root.append(ET.ProcessingInstruction("pi", "x"))
    ET.SubElement(root, "a").text = "1"
    return root


def lone_surrogate() -> ET.Element:
    root = ET.Element("data")
    ET.SubElement(root, "a").text = "x\ud800y"
    root.set("s", "\udfff")
    return root


@pytest.mark.parametrize("make", [plain, escaped, with_tails, namespaced, with_comment, lone_surrogate])
def test_the_bytes_are_those_elementtree_writes(make):
    root = make()

    assert instance_to_xml(root) == ET.tostring(root, encoding="utf-8", xml_declaration=True)


def test_a_value_elementtree_cannot_write_is_refused_the_same_way():
    root = ET.Element("data")
    ET.SubElement(root, "a").text = 12  # type: ignore[assignment]

    with pytest.raises(TypeError):
        ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with pytest.raises(TypeError):
        instance_to_xml(root)
