"""Read REFI-QDA projects leniently: a .qdpx archive, or a bare .qde whose text files are elsewhere."""

import codecs
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

from coding.errors import RefiError
from coding.refi.archive import DEFAULT_LIMITS, Archive, ArchiveLimits, Source
from coding.refi.codebook import codebook_from_element
from coding.refi.files import MiB, Target, read_bytes
from coding.refi.model import (
    VARIABLE_TYPES,
    Case,
    Codebook,
    Coding,
    Note,
    PlainTextSelection,
    Project,
    TextSource,
    User,
    Variable,
    VariableValue,
)
from coding.refi.xmlvalues import parse_xml, read_datetime, read_guid, read_int, read_value

MAX_QDE_BYTES = 512 * MiB
Files = Callable[[str], bytes | None]
_MEDIA = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


def read_qdpx(source: Source, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> Project:
    """Read a .qdpx project (a path or a binary file) with its text sources.

    The archive's directory is checked against `limits` before anything is inflated, and its XML may not
    declare entities. Exports of ATLAS.ti, NVivo, MAXQDA, QualCoder and others are accepted: any one .qde
    name, `sources/` in any case, GUIDs in any case or in braces, text files with a BOM, optional
    attributes missing. What Humus cannot use (media sources, sets, links, graphs) is listed in
    `Project.skipped`.
    """
    with Archive(source, limits) as archive:
        root = parse_xml(archive.project_xml(), archive.project_name)
        return project_from_element(root, archive.file)


def read_qde(source: Target, *, max_bytes: int = MAX_QDE_BYTES) -> Project:
    """Read a bare project .qde; text kept in files outside it is missing, as `Project.skipped` says."""
    return project_from_element(parse_xml(read_bytes(source, max_bytes), "project.qde"), lambda path: None)


def project_from_element(root: Element, files: Files) -> Project:
    """A Project from a parsed Project element; `files` returns the bytes of an internal:// path or None."""
    if root.tag != "Project":
        raise RefiError(
            f"Il file non è un progetto REFI-QDA (elemento radice '{root.tag}'). / "
            f"The file is not a REFI-QDA project (root element '{root.tag}')."
        )
    return _ProjectReader(files).project(root)


class _ProjectReader:
    """Reads one project, noting in Italian and English what it leaves out."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self.skipped: list[str] = []

    def project(self, root: Element) -> Project:
        codebook = root.find("CodeBook")
        project = Project(
            name=root.get("name") or "",
            origin=root.get("origin"),
            description=root.findtext("Description"),
            users=tuple(self.user(element) for element in root.findall("Users/User")),
            codebook=codebook_from_element(codebook) if codebook is not None else Codebook(),
            variables=tuple(self.variable(element) for element in root.findall("Variables/Variable")),
            cases=tuple(self.case(element) for element in root.findall("Cases/Case")),
            sources=self.sources(root.find("Sources")),
            notes=tuple(self.note(element) for element in root.findall("Notes/Note")),
            note_refs=_refs(root, "NoteRef"),
            creating_user=read_guid(root.get("creatingUserGUID")),
            creation_datetime=read_datetime(root.get("creationDateTime")),
            modifying_user=read_guid(root.get("modifyingUserGUID")),
            modified_datetime=read_datetime(root.get("modifiedDateTime")),
        )
        for section, it, en in (
            ("Links", "collegamenti", "links"),
            ("Sets", "insiemi", "sets"),
            ("Graphs", "grafi", "graphs"),
        ):
            count = len(root.findall(f"{section}/*"))
            if count:
                self.skipped.append(f"{count} {it} non importati. / {count} {en} not imported.")
        return replace(project, skipped=tuple(self.skipped))

    def user(self, element: Element) -> User:
        return User(_guid(element), element.get("name"), element.get("id"))

    def variable(self, element: Element) -> Variable:
        declared = (element.get("typeOfVariable") or "Text").strip().lower()
        kind = next((kind for kind in VARIABLE_TYPES if kind.lower() == declared), "Text")
        return Variable(
            _guid(element), element.get("name") or "", kind, description=element.findtext("Description")
        )

    def case(self, element: Element) -> Case:
        return Case(
            guid=_guid(element),
            name=element.get("name"),
            description=element.findtext("Description"),
            variable_values=_values(element),
            source_refs=_refs(element, "SourceRef"),
            code_refs=_refs(element, "CodeRef"),
            selection_refs=_refs(element, "SelectionRef"),
        )

    def sources(self, element: Element | None) -> tuple[TextSource, ...]:
        kept = []
        for child in element if element is not None else ():
            if child.tag == "TextSource":
                kept.append(self.text_source(child))
            elif child.tag in _MEDIA:
                self.skipped.append(
                    f"Fonte '{child.get('name', '')}' ({child.tag}) non importata: Humus importa solo "
                    f"testi. / Source '{child.get('name', '')}' ({child.tag}) not imported: Humus imports "
                    "plain text only."
                )
        return tuple(kept)

    def text_source(self, element: Element) -> TextSource:
        name = element.get("name") or ""
        if element.findall("Coding"):
            self.skipped.append(
                f"Codifiche dell'intero documento '{name}' non importate. / "
                f"Codings of the whole document '{name}' not imported."
            )
        return TextSource(
            guid=_guid(element),
            name=name,
            content=self.text(element, name),
            description=element.findtext("Description"),
            selections=tuple(self.selections(element, name)),
            variable_values=_values(element),
            note_refs=_refs(element, "NoteRef"),
            **_stamps(element),
        )

    def selections(self, source: Element, source_name: str) -> list[PlainTextSelection]:
        kept = []
        for element in source.findall("PlainTextSelection"):
            start, end = read_int(element.get("startPosition")), read_int(element.get("endPosition"))
            if start is None or end is None:
                self.skipped.append(
                    f"Una selezione di '{source_name}' senza posizioni valide è stata ignorata. / "
                    f"A selection of '{source_name}' without valid positions was left out."
                )
                continue
            kept.append(
                PlainTextSelection(
                    guid=_guid(element),
                    start=min(start, end),
                    end=max(start, end),
                    name=element.get("name"),
                    description=element.findtext("Description"),
                    codings=tuple(_coding(coding) for coding in element.findall("Coding[CodeRef]")),
                    note_refs=_refs(element, "NoteRef"),
                    **_stamps(element),
                )
            )
        return kept

    def note(self, element: Element) -> Note:
        name = element.get("name")
        return Note(
            guid=_guid(element),
            name=name,
            text=self.text(element, name or ""),
            description=element.findtext("Description"),
            **_stamps(element),
        )

    def text(self, element: Element, name: str) -> str:
        """The plain text of a TextSource or Note: inline PlainTextContent, else the file it points to."""
        inline = element.findtext("PlainTextContent")
        if inline is not None:
            return inline
        path = element.get("plainTextPath")
        data = self.files(path) if path else None
        if data is None:
            self.skipped.append(
                f"Il testo di '{name}' non è stato trovato ({path or 'nessun percorso'}): importato vuoto. / "
                f"The text of '{name}' was not found ({path or 'no path'}): imported empty."
            )
            return ""
        return self.decode(data, name)

    def decode(self, data: bytes, name: str) -> str:
        """UTF-8 as REFI requires (a BOM is dropped, it is not text); UTF-16 with a BOM; else Windows-1252."""
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16", errors="replace")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.skipped.append(
                f"Il testo di '{name}' non è UTF-8: letto come Windows-1252, controllare le posizioni. / "
                f"The text of '{name}' is not UTF-8: read as Windows-1252, check the positions."
            )
            return data.decode("cp1252", errors="replace")


def _coding(element: Element) -> Coding:
    return Coding(
        guid=_guid(element),
        code_guid=read_guid(element.find("CodeRef").get("targetGUID")) or "",  # type: ignore[union-attr]
        creating_user=read_guid(element.get("creatingUser")),
        creation_datetime=read_datetime(element.get("creationDateTime")),
    )


def _values(element: Element) -> tuple[VariableValue, ...]:
    values = []
    for value in element.findall("VariableValue"):
        ref = value.find("VariableRef")
        guid = read_guid(ref.get("targetGUID")) if ref is not None else None
        if guid is not None:
            data = next((child for child in value if child.tag != "VariableRef"), None)
            values.append(VariableValue(guid, read_value(data)))
    return tuple(values)


def _refs(element: Element, tag: str) -> tuple[str, ...]:
    return tuple(guid for ref in element.findall(tag) if (guid := read_guid(ref.get("targetGUID"))))


def _stamps(element: Element) -> dict[str, Any]:
    return {
        "creating_user": read_guid(element.get("creatingUser")),
        "creation_datetime": read_datetime(element.get("creationDateTime")),
        "modifying_user": read_guid(element.get("modifyingUser")),
        "modified_datetime": read_datetime(element.get("modifiedDateTime")),
    }


def _guid(element: Element) -> str:
    return read_guid(element.get("guid")) or str(uuid.uuid4())
