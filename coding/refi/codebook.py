"""Codes in QDA-XML, and .qdc codebook files (urn:QDA-XML:codebook:1.0) read and written."""

import uuid
from xml.etree.ElementTree import Element

from coding.errors import RefiError
from coding.refi.files import MiB, Target, read_bytes, write_bytes
from coding.refi.model import Code, Codebook
from coding.refi.xmlvalues import (
    CODEBOOK_NS,
    add_element,
    parse_xml,
    read_bool,
    read_guid,
    serialize,
    write_color,
    write_guid,
)

MAX_QDC_BYTES = 64 * MiB
MAX_DEPTH = 64  # levels of sub-codes; real codebooks stay under ten


def read_qdc(source: Target, *, max_bytes: int = MAX_QDC_BYTES) -> Codebook:
    """Read a .qdc codebook file (a path or a binary file); a project .qde is accepted too.

    Any namespace is accepted (`urn:QDA-XML:codebook:1.0`, `...:1:0`, the project one, none).
    """
    data = read_bytes(source, max_bytes)
    root = parse_xml(data, "codebook")
    if root.tag == "Project":
        inner = root.find("CodeBook")
        root = inner if inner is not None else Element("CodeBook")
    if root.tag != "CodeBook":
        raise RefiError(
            f"Il file non è un codebook REFI-QDA (elemento radice '{root.tag}'). / "
            f"The file is not a REFI-QDA codebook (root element '{root.tag}')."
        )
    return codebook_from_element(root, origin=root.get("origin"))


def write_qdc(codebook: Codebook, target: Target) -> None:
    """Write a codebook as a .qdc file valid against Codebook.xsd (a path or a binary file)."""
    if not codebook.codes:
        raise RefiError(
            "Il codebook è vuoto: un file .qdc deve contenere almeno un codice. / "
            "The codebook is empty: a .qdc file must hold at least one code."
        )
    root = add_element(None, f"{{{CODEBOOK_NS}}}CodeBook", {"origin": codebook.origin})
    codes = add_element(root, "Codes")
    for code in codebook.codes:
        add_code(codes, code, with_notes=False)
    write_bytes(target, serialize(root))


def codebook_from_element(element: Element, origin: str | None = None) -> Codebook:
    """The codes under a CodeBook element (a project's or a .qdc's)."""
    return Codebook(tuple(code_from_element(code) for code in element.findall("Codes/Code")), origin=origin)


def code_from_element(element: Element, depth: int = 0) -> Code:
    """A Code element and its sub-codes; a missing GUID gets a new one, a missing isCodable means codable."""
    if depth > MAX_DEPTH:
        raise RefiError(
            f"I codici sono annidati su più di {MAX_DEPTH} livelli. / "
            f"Codes are nested more than {MAX_DEPTH} deep."
        )
    return Code(
        guid=read_guid(element.get("guid")) or str(uuid.uuid4()),
        name=element.get("name") or "",
        is_codable=read_bool(element.get("isCodable"), default=True),
        color=element.get("color"),
        description=element.findtext("Description"),
        children=tuple(code_from_element(child, depth + 1) for child in element.findall("Code")),
        note_refs=tuple(
            guid for ref in element.findall("NoteRef") if (guid := read_guid(ref.get("targetGUID")))
        ),
    )


def add_code(parent: Element, code: Code, *, with_notes: bool) -> None:
    """Append a Code element (and its sub-codes) in the schema's order: Description, NoteRef, Code."""
    attributes = {
        "guid": write_guid(code.guid),
        "name": code.name,
        "isCodable": "true" if code.is_codable else "false",
        "color": write_color(code.color),
    }
    element = add_element(parent, "Code", attributes)
    if code.description is not None:
        add_element(element, "Description", text=code.description)
    if with_notes:
        for guid in code.note_refs:
            add_element(element, "NoteRef", {"targetGUID": write_guid(guid)})
    for child in code.children:
        add_code(element, child, with_notes=with_notes)
