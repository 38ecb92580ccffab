"""Write REFI-QDA projects: a .qdpx zip of project.qde and sources/<GUID>.txt, valid against Project.xsd."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element
from zipfile import ZIP_DEFLATED, ZipFile

from coding.errors import RefiError
from coding.refi.codebook import add_code
from coding.refi.files import Target
from coding.refi.model import (
    VARIABLE_TYPES,
    Case,
    Note,
    PlainTextSelection,
    Project,
    TextSource,
    Variable,
    VariableValue,
)
from coding.refi.xmlvalues import PROJECT_NS, add_element, serialize, write_datetime, write_guid, write_value


def write_qdpx(project: Project, target: Target) -> None:
    """Write a project as a .qdpx (a path or a binary file): project.qde plus one UTF-8 file per text source.

    Selections must lie inside their text (code points, end-exclusive). GUIDs are written in upper case;
    ids that are not GUIDs are replaced by a GUID derived from them, the same one at every reference.
    `Project.skipped` is not written.
    """
    _check(project)
    project_xml = serialize(project_element(project))
    with ZipFile(target, "w", ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml)
        for source in project.sources:
            archive.writestr(_source_file(source), source.content.encode("utf-8", errors="replace"))


def project_element(project: Project) -> Element:
    """The Project element, children in the order Project.xsd requires."""
    root = add_element(
        None,
        f"{{{PROJECT_NS}}}Project",
        {
            "name": project.name,
            "origin": project.origin,
            **_stamps(project, "creatingUserGUID", "modifyingUserGUID"),
        },
    )
    if project.users:
        users = add_element(root, "Users")
        for user in project.users:
            add_element(users, "User", {"guid": write_guid(user.guid), "name": user.name, "id": user.id})
    if project.codebook.codes:
        codes = add_element(add_element(root, "CodeBook"), "Codes")
        for code in project.codebook.codes:
            add_code(codes, code, with_notes=True)
    _add_all(root, "Variables", project.variables, _add_variable)
    _add_all(root, "Cases", project.cases, _add_case)
    _add_all(root, "Sources", project.sources, _add_source)
    _add_all(root, "Notes", project.notes, _add_note)
    if project.description is not None:
        add_element(root, "Description", text=project.description)
    _add_refs(root, "NoteRef", project.note_refs)
    return root


def _add_all(root: Element, tag: str, items: Sequence[Any], add: Callable[[Element, Any], None]) -> None:
    if items:
        parent = add_element(root, tag)
        for item in items:
            add(parent, item)


def _add_variable(parent: Element, variable: Variable) -> None:
    kind = variable.type if variable.type in VARIABLE_TYPES else "Text"
    attributes = {"guid": write_guid(variable.guid), "name": variable.name, "typeOfVariable": kind}
    element = add_element(parent, "Variable", attributes)
    if variable.description is not None:
        add_element(element, "Description", text=variable.description)


def _add_case(parent: Element, case: Case) -> None:
    element = add_element(parent, "Case", {"guid": write_guid(case.guid), "name": case.name})
    if case.description is not None:
        add_element(element, "Description", text=case.description)
    _add_refs(element, "CodeRef", case.code_refs)
    _add_values(element, case.variable_values)
    _add_refs(element, "SourceRef", case.source_refs)
    _add_refs(element, "SelectionRef", case.selection_refs)


def _add_source(parent: Element, source: TextSource) -> None:
    attributes = {
        "guid": write_guid(source.guid),
        "name": source.name,
        "plainTextPath": "internal://" + _source_file(source).removeprefix("sources/"),
        **_stamps(source, "creatingUser", "modifyingUser"),
    }
    element = add_element(parent, "TextSource", attributes)
    if source.description is not None:
        add_element(element, "Description", text=source.description)
    for selection in source.selections:
        _add_selection(element, selection)
    _add_refs(element, "NoteRef", source.note_refs)
    _add_values(element, source.variable_values)


def _add_selection(parent: Element, selection: PlainTextSelection) -> None:
    attributes = {
        "guid": write_guid(selection.guid),
        "name": selection.name,
        "startPosition": str(selection.start),
        "endPosition": str(selection.end),
        **_stamps(selection, "creatingUser", "modifyingUser"),
    }
    element = add_element(parent, "PlainTextSelection", attributes)
    if selection.description is not None:
        add_element(element, "Description", text=selection.description)
    for coding in selection.codings:
        coding_attributes = {
            "guid": write_guid(coding.guid),
            "creatingUser": _guid(coding.creating_user),
            "creationDateTime": _datetime(coding.creation_datetime),
        }
        coding_element = add_element(element, "Coding", coding_attributes)
        add_element(coding_element, "CodeRef", {"targetGUID": write_guid(coding.code_guid)})
    _add_refs(element, "NoteRef", selection.note_refs)


def _add_note(parent: Element, note: Note) -> None:
    attributes = {
        "guid": write_guid(note.guid),
        "name": note.name,
        **_stamps(note, "creatingUser", "modifyingUser"),
    }
    element = add_element(parent, "Note", attributes)
    if note.description is not None:
        add_element(element, "Description", text=note.description)
    add_element(element, "PlainTextContent", text=note.text)


def _add_values(parent: Element, values: tuple[VariableValue, ...]) -> None:
    for value in values:
        element = add_element(parent, "VariableValue")
        add_element(element, "VariableRef", {"targetGUID": write_guid(value.variable_guid)})
        written = write_value(value.value)
        if written is not None:
            add_element(element, written[0], text=written[1])


def _add_refs(parent: Element, tag: str, guids: tuple[str, ...]) -> None:
    for guid in guids:
        add_element(parent, tag, {"targetGUID": write_guid(guid)})


def _stamps(item: object, creating: str, modifying: str) -> dict[str, str | None]:
    return {
        creating: _guid(getattr(item, "creating_user", None)),
        "creationDateTime": _datetime(getattr(item, "creation_datetime", None)),
        modifying: _guid(getattr(item, "modifying_user", None)),
        "modifiedDateTime": _datetime(getattr(item, "modified_datetime", None)),
    }


def _guid(value: str | None) -> str | None:
    return write_guid(value) if value else None


def _datetime(value: datetime | None) -> str | None:
    return write_datetime(value) if value is not None else None


def _source_file(source: TextSource) -> str:
    return f"sources/{write_guid(source.guid)}.txt"


def _check(project: Project) -> None:
    files = [_source_file(source) for source in project.sources]
    if len(set(files)) != len(files):
        raise RefiError("Due documenti hanno lo stesso GUID. / Two documents have the same GUID.")
    for source in project.sources:
        for selection in source.selections:
            if not 0 <= selection.start <= selection.end <= len(source.content):
                raise RefiError(
                    f"La selezione {selection.start}–{selection.end} esce dal testo di '{source.name}' "
                    f"(lunghezza {len(source.content)}). / The selection {selection.start}–{selection.end} "
                    f"lies outside the text of '{source.name}' (length {len(source.content)})."
                )
