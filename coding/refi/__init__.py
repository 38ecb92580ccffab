"""REFI-QDA (QDA-XML 1.0) exchange: .qdpx projects and .qdc codebooks, read leniently and written strictly."""

from coding.refi.archive import ArchiveLimits
from coding.refi.codebook import read_qdc, write_qdc
from coding.refi.model import (
    Case,
    Code,
    Codebook,
    Coding,
    Note,
    PlainTextSelection,
    Project,
    TextCoding,
    TextSource,
    User,
    Variable,
    VariableValue,
)
from coding.refi.read import read_qde, read_qdpx
from coding.refi.write import write_qdpx

__all__ = [
    "ArchiveLimits",
    "Case",
    "Code",
    "Codebook",
    "Coding",
    "Note",
    "PlainTextSelection",
    "Project",
    "TextCoding",
    "TextSource",
    "User",
    "Variable",
    "VariableValue",
    "read_qdc",
    "read_qde",
    "read_qdpx",
    "write_qdc",
    "write_qdpx",
]
