"""A REFI-QDA project and codebook as plain frozen dataclasses, close to QDA-XML 1.0 (Project.xsd)."""

from dataclasses import KW_ONLY, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

# GUIDs as read: lower case without braces when they are GUIDs, other ids as written (xmlvalues.read_guid).
Guid = str
VariableType = Literal["Text", "Boolean", "Integer", "Float", "Date", "DateTime"]
VARIABLE_TYPES: tuple[VariableType, ...] = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
Value = str | bool | int | float | Decimal | date | datetime | None


@dataclass(frozen=True)
class User:
    """Someone who created or changed things in the project; `id` is an optional login or code."""

    guid: Guid
    name: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Code:
    """A code with its sub-codes; `is_codable` is False for a folder that only groups codes."""

    guid: Guid
    name: str
    _: KW_ONLY
    is_codable: bool = True
    color: str | None = None  # "#RRGGBB" or "#RGB"
    description: str | None = None
    children: tuple["Code", ...] = ()
    note_refs: tuple[Guid, ...] = ()  # memos about the code (written in projects only: .qdc has no notes)

    def walk(self) -> tuple["Code", ...]:
        """This code and all its descendants, depth first."""
        return (self, *(code for child in self.children for code in child.walk()))


@dataclass(frozen=True)
class Codebook:
    """The codes of a project or of a .qdc file, as a forest; `origin` names the program that wrote it."""

    codes: tuple[Code, ...] = ()
    _: KW_ONLY
    origin: str | None = None

    def all_codes(self) -> tuple[Code, ...]:
        """Every code, parents before their children."""
        return tuple(code for root in self.codes for code in root.walk())


@dataclass(frozen=True)
class Coding:
    """One code applied to a selection, by a user at a time."""

    guid: Guid
    code_guid: Guid
    _: KW_ONLY
    creating_user: Guid | None = None
    creation_datetime: datetime | None = None


@dataclass(frozen=True)
class PlainTextSelection:
    """A stretch of a text source: `start`, `end` count code points from 0, `end` exclusive (REFI §10.2)."""

    guid: Guid
    start: int
    end: int
    _: KW_ONLY
    name: str | None = None
    description: str | None = None
    codings: tuple[Coding, ...] = ()
    note_refs: tuple[Guid, ...] = ()
    creating_user: Guid | None = None
    creation_datetime: datetime | None = None
    modifying_user: Guid | None = None
    modified_datetime: datetime | None = None


@dataclass(frozen=True)
class TextCoding:
    """A coding seen flat, the way agreement and the database want it: where, which code, who, when."""

    guid: Guid
    selection_guid: Guid
    start: int
    end: int
    code_guid: Guid
    creating_user: Guid | None
    creation_datetime: datetime | None


@dataclass(frozen=True)
class VariableValue:
    """The value a case or a source has for a variable; None when the file gives no value."""

    variable_guid: Guid
    value: Value = None


@dataclass(frozen=True)
class TextSource:
    """A plain text document (a transcript) with its selections; `content` is the whole text."""

    guid: Guid
    name: str
    content: str = ""
    _: KW_ONLY
    description: str | None = None
    selections: tuple[PlainTextSelection, ...] = ()
    variable_values: tuple[VariableValue, ...] = ()
    note_refs: tuple[Guid, ...] = ()
    creating_user: Guid | None = None
    creation_datetime: datetime | None = None
    modifying_user: Guid | None = None
    modified_datetime: datetime | None = None

    @property
    def codings(self) -> tuple[TextCoding, ...]:
        """Every coding of every selection, flat, in document order."""
        return tuple(
            TextCoding(
                coding.guid,
                selection.guid,
                selection.start,
                selection.end,
                coding.code_guid,
                coding.creating_user,
                coding.creation_datetime,
            )
            for selection in sorted(self.selections, key=lambda selection: (selection.start, selection.end))
            for coding in selection.codings
        )


@dataclass(frozen=True)
class Variable:
    """An attribute of cases or sources (age, role, territory), with its REFI type."""

    guid: Guid
    name: str
    type: VariableType = "Text"
    _: KW_ONLY
    description: str | None = None


@dataclass(frozen=True)
class Case:
    """A unit of analysis such as a participant, with variable values and the sources about it."""

    guid: Guid
    name: str | None = None
    _: KW_ONLY
    description: str | None = None
    variable_values: tuple[VariableValue, ...] = ()
    source_refs: tuple[Guid, ...] = ()
    code_refs: tuple[Guid, ...] = ()
    selection_refs: tuple[Guid, ...] = ()


@dataclass(frozen=True)
class Note:
    """A memo: free text, referred to by the project, a code, a source or a selection through note_refs."""

    guid: Guid
    name: str | None = None
    text: str = ""
    _: KW_ONLY
    description: str | None = None
    creating_user: Guid | None = None
    creation_datetime: datetime | None = None
    modifying_user: Guid | None = None
    modified_datetime: datetime | None = None


@dataclass(frozen=True)
class Project:
    """A whole REFI-QDA project. `skipped` lists, in Italian and English, what reading left out (REFI §7)."""

    name: str
    _: KW_ONLY
    origin: str | None = None
    description: str | None = None
    users: tuple[User, ...] = ()
    codebook: Codebook = Codebook()
    variables: tuple[Variable, ...] = ()
    cases: tuple[Case, ...] = ()
    sources: tuple[TextSource, ...] = ()
    notes: tuple[Note, ...] = ()
    note_refs: tuple[Guid, ...] = ()
    creating_user: Guid | None = None
    creation_datetime: datetime | None = None
    modifying_user: Guid | None = None
    modified_datetime: datetime | None = None
    skipped: tuple[str, ...] = ()
