"""Import a transcript into a study: canonical text, speaker turns, participants, names replaced by codes.

The file is read by coding.documents (hostile files are refused there with a message). Each speaker who is not
a conventional role (MODERATORE, I, R...) becomes a participant of the study: an existing participant with the
same code, or a new one. With `replace_names`, speakers' names become codes P01, P02... continuing the
study's numbering, in the text too, and the mapping code -> name is stored encrypted apart from the text
(CodingNameMapping), which exports and statistics never read.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select

from app import audit
from app.extensions import db
from app.i18n import in_user_language
from app.models import CodingDocument, CodingNameMapping, CodingParticipant, CodingProject, CodingTurn, User
from coding.documents import ImportedText, pseudonymise, read_document
from coding.errors import CodingError as PureCodingError
from coding.participants import Participant, participants_from_turns
from coding.turns import CONVENTIONAL_ROLES, DEFAULT_PATTERNS, Turn, TurnPattern, turn_pattern
from forms.identity import encrypt_identity

MAX_NAME = 255
CODE_PREFIX = "P"


class ImportError_(ValueError):  # noqa: N801 - ImportError is a builtin
    """A transcript that cannot be imported; the message is for the user, in their language."""


@dataclass(frozen=True)
class DocumentInput:
    filename: str
    data: bytes
    name: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    org_unit_id: int | None = None
    replace_names: bool = False


@dataclass(frozen=True)
class Imported:
    document: CodingDocument
    turns: int
    new_participants: list[str]
    notes: tuple[str, ...]


def patterns_of(study: CodingProject) -> tuple[TurnPattern, ...]:
    """The default speaker patterns, then the study's own one when it has one."""
    if not study.turn_pattern:
        return DEFAULT_PATTERNS
    return (*DEFAULT_PATTERNS, turn_pattern(study.turn_pattern, checked=False))


def check_pattern(regex: str) -> str:
    """`regex` if it is a usable speaker pattern (with a `speaker` group), else ImportError_."""
    try:
        turn_pattern(regex, checked=False)
    except (PureCodingError, ValueError) as error:
        raise ImportError_(in_user_language(str(error))) from None
    return regex


def import_document(user: User, study: CodingProject, given: DocumentInput) -> Imported:
    """Read, split into turns, pseudonymise on request and store a transcript; the caller commits."""
    try:
        imported = read_document(given.data, given.filename, patterns=patterns_of(study))
    except PureCodingError as error:
        raise ImportError_(in_user_language(str(error))) from None
    if not imported.text.strip():
        raise ImportError_(_("The file holds no text to code."))
    existing = {p.code: p for p in db.session.scalars(select(CodingParticipant).where(_of(study)))}
    mapping: dict[str, str] = {}
    if given.replace_names:
        people = _numbered(participants_from_turns(imported.turns), len(existing))
        imported, mapping = pseudonymise(imported, people)
    speakers, created = _participants(study, imported.turns, existing)
    document = _store(user, study, given, imported, speakers)
    if mapping:
        keys = list(current_app.config["IDENTITY_KEYS"])
        db.session.add(CodingNameMapping(document_id=document.id, ciphertext=encrypt_identity(keys, mapping)))
    audit.record(
        "transcript.import",
        document,
        org_unit_id=study.org_unit_id,
        actor=user,
        name=document.name,
        turns=len(imported.turns),
        replaced_names=len(mapping),
    )
    notes = tuple(in_user_language(note) for note in imported.notes)
    return Imported(document, len(imported.turns), created, notes)


def _of(study: CodingProject):
    return CodingParticipant.coding_project_id == study.id


def _numbered(people: tuple[Participant, ...], taken: int) -> list[Participant]:
    """The participants renumbered after the study's `taken` ones, so codes never repeat in a study.

    A speaker called by first and last name ("Giulia Rossi") is often named by one of them alone in the
    text ("Sono Giulia"): each word of three letters or more is replaced too.
    """
    return [
        Participant(f"{CODE_PREFIX}{taken + number:02d}", person.name, aliases=_name_words(person.name))
        for number, person in enumerate(people, start=1)
    ]


def _name_words(name: str) -> tuple[str, ...]:
    words = name.split()
    if len(words) < 2:
        return ()
    return tuple(word for word in words if len(word) >= 3 and word[0].isupper())


def _participants(
    study: CodingProject, turns: Sequence[Turn], existing: dict[str, CodingParticipant]
) -> tuple[dict[str, int], list[str]]:
    """Each speaker's participant id, creating those the study does not have yet; and the new codes.

    Conventional roles (MODERATORE, I, R...) are not participants."""
    ids: dict[str, int] = {}
    created: list[str] = []
    for turn in turns:
        key = " ".join(turn.speaker.split())[:64]
        if not key or key.casefold() in CONVENTIONAL_ROLES or key in ids:
            continue
        person = existing.get(key)
        if person is None:
            attributes = {"role": turn.role} if turn.role else {}
            person = CodingParticipant(coding_project_id=study.id, code=key, attributes=attributes)
            db.session.add(person)
            db.session.flush()
            existing[key] = person
            created.append(key)
        ids[key] = person.id
    return ids, created


def _store(
    user: User, study: CodingProject, given: DocumentInput, imported: ImportedText, speakers: dict[str, int]
) -> CodingDocument:
    """The document and its turns, the turns written in one statement."""
    name = (given.name or given.filename).strip()[:MAX_NAME] or _("Transcript")
    document = CodingDocument(
        coding_project_id=study.id,
        name=name,
        text=imported.text,
        text_sha256=hashlib.sha256(imported.text.encode("utf-8")).hexdigest(),
        source_format=imported.format,
        attributes={k: v for k, v in given.attributes.items() if v},
        org_unit_id=given.org_unit_id,
        created_by_id=user.id,
    )
    db.session.add(document)
    db.session.flush()
    rows = [
        {
            "document_id": document.id,
            "position": position,
            "speaker": turn.speaker[:200],
            "role": (turn.role or "")[:100],
            "participant_id": speakers.get(" ".join(turn.speaker.split())[:64]),
            "start": turn.start,
            "end": turn.end,
            "time_start": turn.timestamp_seconds,
            "time_end": turn.end_seconds,
        }
        for position, turn in enumerate(imported.turns)
    ]
    if rows:
        db.session.execute(insert(CodingTurn), rows)
    return document
