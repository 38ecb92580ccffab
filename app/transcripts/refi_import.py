"""REFI-QDA into Humus: a .qdpx project as a new study, a .qdc codebook merged into a study's codebook.

Reading is coding.refi's (lenient with real exports, strict with hostile archives). Here:
- codes merge by name under the same parent (ignoring case and spaces), so importing a codebook twice adds
  nothing; the colour is kept when it is one (#RGB becomes #RRGGBB);
- cases become participants, text sources documents (line ends and control characters cleaned, offsets
  moved to match), variables their attributes (an `org_unit` variable naming a unit of the user's scope by
  its code sets the document's org unit); selections Humus wrote for speaker turns become turns again;
- each coding gets origin "import". Its coder is the Humus user the REFI user names (by e-mail, or by a
  name only one user has), when that user works on the study; otherwise it is the importing user, and the
  REFI coder's name stays in `Coding.batch` as "import:<name>" (cut to the column's 36 characters; the
  whole names are in the audit event). The batch keeps two unknown coders' codings apart, so they can be
  told apart, reassigned or undone together (codings.undo_batch), and costs no extra rows;
- notes become memos on the study, a document, a coding (the first of its selection) or a code.
The caller commits; on any error nothing has been stored once it rolls back.
"""

import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from app import audit
from app.extensions import db
from app.i18n import in_user_language
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingMemo,
    CodingOrigin,
    CodingParticipant,
    CodingProject,
    CodingTurn,
    OrgUnit,
    Project,
    User,
    utcnow,
)
from app.transcripts import access, studies
from app.transcripts.codebook import PALETTE
from app.transcripts.refi_mapping import ORG_UNIT_VARIABLE
from coding import refi
from coding.document_formats import DocumentLimits
from coding.errors import CodingError as PureCodingError
from coding.exchange import CleanText, clean_text, read_description, read_turn, stored_value
from coding.refi.files import MiB

MAX_UPLOAD_BYTES = 20 * MiB  # under the app's request limit, so the user gets this page's message
MAX_CHARS = DocumentLimits().max_chars
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_COLOUR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
BATCH = "import"


class ExchangeError(ValueError):
    """A REFI-QDA file that cannot be imported; the message is for the user, in their language."""


@dataclass
class CoderMatch:
    refi_name: str
    user: User | None  # None: the codings went to the importing user, labelled in their batch
    batch: str


@dataclass
class ProjectImport:
    study: CodingProject
    documents: int = 0
    participants: int = 0
    codes: int = 0
    codings: int = 0
    memos: int = 0
    turns: int = 0
    coders: list[CoderMatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class CodebookImport:
    added: int
    kept: int


def archive_limits(max_bytes: int) -> refi.ArchiveLimits:
    return refi.ArchiveLimits(
        archive_bytes=max_bytes, members=20_000, member_bytes=128 * MiB, total_bytes=256 * MiB
    )


def read_project(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> refi.Project:
    """The REFI project in an uploaded .qdpx; ExchangeError when it is too large, unsafe or unreadable."""
    _check_size(data, max_bytes)
    try:
        return refi.read_qdpx(io.BytesIO(data), limits=archive_limits(max_bytes))
    except PureCodingError as error:
        raise ExchangeError(in_user_language(str(error))) from None


def read_codebook(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> refi.Codebook:
    """The codebook in an uploaded .qdc (or in a .qdpx project, whose codebook is taken)."""
    _check_size(data, max_bytes)
    if data.startswith(b"PK"):
        return read_project(data, max_bytes).codebook
    try:
        return refi.read_qdc(io.BytesIO(data), max_bytes=max_bytes)
    except PureCodingError as error:
        raise ExchangeError(in_user_language(str(error))) from None


def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ExchangeError(
            _("The file is larger than the %(size)d MB allowed: nothing was imported.", size=max_bytes // MiB)
        )
    if not data:
        raise ExchangeError(_("The file is empty: nothing was imported."))


def import_project(
    user: User, project: Project, unit: OrgUnit | None, parsed: refi.Project, name: str = ""
) -> ProjectImport:
    """A new study holding the REFI project; the caller commits (or rolls back on ExchangeError)."""
    data = studies.StudyInput(
        name=(name or parsed.name or _("Imported project"))[:200], description=parsed.description or ""
    )
    try:
        study = studies.create_study(user, project, unit, data)
    except studies.StudyError as error:
        raise ExchangeError(str(error)) from None
    db.session.flush()
    result = _ProjectImporter(user, study, parsed).run()
    audit.record(
        "study.import_refi",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        origin=parsed.origin,
        documents=result.documents,
        codes=result.codes,
        codings=result.codings,
        memos=result.memos,
        participants=result.participants,
        coders={match.refi_name: (match.user.id if match.user else None) for match in result.coders},
    )
    return result


def import_codebook(user: User, study: CodingProject, codebook: refi.Codebook) -> CodebookImport:
    """Merge a REFI codebook into the study's; a code named as one under the same parent is that one."""
    if not codebook.codes:
        raise ExchangeError(_("The file holds no codes: nothing was imported."))
    merged = CodeMerger(user, study)
    merged.merge(codebook)
    audit.record(
        "codebook.import_refi",
        study,
        org_unit_id=study.org_unit_id,
        actor=user,
        origin=codebook.origin,
        added=merged.added,
        kept=merged.kept,
    )
    return CodebookImport(merged.added, merged.kept)


class CodeMerger:
    """Adds REFI codes to a study's codebook, reusing a code of the same name under the same parent."""

    def __init__(self, user: User, study: CodingProject) -> None:
        self.user, self.study = user, study
        self.by_guid: dict[str, int] = {}
        self.added = self.kept = 0
        existing = list(db.session.scalars(select(Code).where(Code.coding_project_id == study.id)))
        self.siblings: dict[tuple[int | None, str], Code] = {
            (code.parent_id, code.name.casefold()): code for code in existing
        }
        self.count = len(existing)

    def merge(self, codebook: refi.Codebook) -> None:
        for position, code in enumerate(codebook.codes):
            self._add(code, None, position)

    def _add(self, code: refi.Code, parent_id: int | None, position: int) -> None:
        name = " ".join(code.name.split())[:200] or _("Unnamed code")
        found = self.siblings.get((parent_id, name.casefold()))
        if found is None:
            found = self._create(code, name, parent_id, position)
            self.added += 1
        else:
            self.kept += 1
        self.by_guid[code.guid] = found.id
        for child_position, child in enumerate(code.children):
            self._add(child, found.id, child_position)

    def _create(self, code: refi.Code, name: str, parent_id: int | None, position: int) -> Code:
        text = read_description(code.description)
        created = Code(
            coding_project_id=self.study.id,
            parent_id=parent_id,
            name=name,
            definition=text.definition,
            when_to_use=text.when_to_use,
            when_not=text.when_not,
            example=text.example,
            marks_need=text.marks_need,
            colour=_colour(code.color) or PALETTE[self.count % len(PALETTE)],
            position=position,
            guid=_guid(code.guid),
            created_by_id=self.user.id,
        )
        db.session.add(created)
        db.session.flush()
        self.siblings[(parent_id, name.casefold())] = created
        self.count += 1
        return created


def _colour(value: str | None) -> str | None:
    match = _COLOUR.fullmatch((value or "").strip())
    if not match:
        return None
    digits = match.group(1)
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits)).lower()


def _guid(value: str | None) -> str:
    """The file's GUID when it is one (read_guid gives them in lower case), else a new one."""
    return value if value and _GUID.fullmatch(value) else str(uuid.uuid4())


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


class _ProjectImporter:
    """Stores one REFI project into a new, empty study."""

    def __init__(self, user: User, study: CodingProject, parsed: refi.Project) -> None:
        self.user, self.study, self.parsed = user, study, parsed
        self.result = ProjectImport(study, notes=[in_user_language(note) for note in parsed.skipped])
        self.variables = {variable.guid: variable for variable in parsed.variables}
        self.refi_users = {user.guid: user for user in parsed.users}
        self.coders: dict[str | None, tuple[int, str]] = {}
        self.turn_people: dict[str, int] = {}  # turn selection GUID -> participant id
        self.coding_of_selection: dict[str, Coding] = {}
        self.documents: dict[str, CodingDocument] = {}
        self.codes = CodeMerger(user, study)
        self.skipped_codings = 0

    def run(self) -> ProjectImport:
        self.codes.merge(self.parsed.codebook)
        self.result.codes = self.codes.added
        self._participants()
        units = {unit.code: unit.id for unit in access.units_in_scope(self.user, self.study.project_id)}
        for source in self.parsed.sources:
            self._document(source, units)
        self._memos()
        if self.skipped_codings:
            self.result.notes.append(
                _(
                    "%(count)d codings were left out: their code is not in the codebook, or their position "
                    "is outside the text.",
                    count=self.skipped_codings,
                )
            )
        return self.result

    def _attributes(self, values: tuple[refi.VariableValue, ...]) -> dict[str, object]:
        found: dict[str, object] = {}
        for value in values:
            variable = self.variables.get(value.variable_guid)
            if variable is not None and variable.name and value.value not in (None, ""):
                found[variable.name[:100]] = stored_value(value.value)
        return found

    def _participants(self) -> None:
        taken: set[str] = set()
        for number, case in enumerate(self.parsed.cases, start=1):
            code = _unique(" ".join((case.name or "").split())[:60] or f"C{number:02d}", taken)
            person = CodingParticipant(
                coding_project_id=self.study.id,
                code=code,
                attributes=self._attributes(case.variable_values),
                guid=_guid(case.guid),
            )
            db.session.add(person)
            db.session.flush()
            for selection in case.selection_refs:
                self.turn_people.setdefault(selection, person.id)
            self.result.participants += 1

    def _document(self, source: refi.TextSource, units: dict[str, int]) -> None:
        if not source.content.strip():
            self.result.notes.append(_("%(name)s has no text: it was not imported.", name=source.name))
            return
        if len(source.content) > MAX_CHARS:
            raise ExchangeError(
                _("%(name)s is longer than %(limit)d characters.", name=source.name, limit=MAX_CHARS)
            )
        clean = clean_text(source.content)
        attributes = self._attributes(source.variable_values)
        unit_code = attributes.get(ORG_UNIT_VARIABLE)
        org_unit_id = units.get(unit_code) if isinstance(unit_code, str) else None
        if org_unit_id is not None:
            del attributes[ORG_UNIT_VARIABLE]
        document = CodingDocument(
            coding_project_id=self.study.id,
            name=(
                " ".join(source.name.split()) or _("Document %(number)d", number=self.result.documents + 1)
            )[:255],
            text=clean.text,
            text_sha256=hashlib.sha256(clean.text.encode("utf-8")).hexdigest(),
            source_format="qdpx",
            attributes=attributes,
            org_unit_id=org_unit_id,
            guid=_guid(source.guid),
            created_by_id=self.user.id,
        )
        db.session.add(document)
        db.session.flush()
        self.documents[source.guid] = document
        self.result.documents += 1
        self._turns(document, source, clean)
        self._codings(document, source, clean)

    def _turns(self, document: CodingDocument, source: refi.TextSource, clean: CleanText) -> None:
        turns = sorted(
            (s for s in source.selections if read_turn(s.description) is not None), key=lambda s: s.start
        )
        for position, selection in enumerate(turns):
            info = read_turn(selection.description)
            assert info is not None
            start, end = clean.offset(selection.start), clean.offset(selection.end)
            if not 0 <= start <= end <= len(clean.text):
                continue
            db.session.add(
                CodingTurn(
                    document_id=document.id,
                    position=position,
                    speaker=(selection.name or "")[:200],
                    role=info.role[:100],
                    start=start,
                    end=end,
                    time_start=info.time_start,
                    time_end=info.time_end,
                    participant_id=self.turn_people.get(selection.guid),
                )
            )
            self.result.turns += 1

    def _codings(self, document: CodingDocument, source: refi.TextSource, clean: CleanText) -> None:
        """Store the source's codings: in one statement, but one by one where a note needs the coding's id."""
        plain: list[dict[str, object]] = []
        for selection in source.selections:
            if read_turn(selection.description) is not None:
                continue
            start, end = clean.offset(selection.start), clean.offset(selection.end)
            for coding in selection.codings:
                code_id = self.codes.by_guid.get(coding.code_guid)
                if code_id is None or not 0 <= start < end <= len(clean.text):
                    self.skipped_codings += 1
                    continue
                coder_id, batch = self._coder(coding.creating_user or selection.creating_user)
                values = {
                    "document_id": document.id,
                    "code_id": code_id,
                    "start": start,
                    "end": end,
                    "coder_id": coder_id,
                    "origin": CodingOrigin.IMPORT.value,
                    "batch": batch,
                    "guid": _guid(selection.guid if len(selection.codings) == 1 else coding.guid),
                    "created_at": _naive_utc(coding.creation_datetime or selection.creation_datetime)
                    or utcnow(),
                }
                if selection.note_refs and selection.guid not in self.coding_of_selection:
                    row = Coding(**values)
                    db.session.add(row)
                    self.coding_of_selection[selection.guid] = row
                else:
                    plain.append(values)
                self.result.codings += 1
        if plain:
            db.session.execute(insert(Coding), plain)
        db.session.flush()

    def _coder(self, refi_guid: str | None) -> tuple[int, str]:
        """The Humus user a REFI user stands for and the batch label of their codings."""
        if refi_guid in self.coders:
            return self.coders[refi_guid]
        person = self.refi_users.get(refi_guid) if refi_guid else None
        label = " ".join(((person.name or person.id or "") if person else "").split())
        if not label and refi_guid:
            label = refi_guid[:8]
        matched = self._matching_user(person) if person else None
        if matched is not None:
            found = (matched.id, BATCH)
        else:
            found = (self.user.id, f"{BATCH}:{label}"[:36] if label else BATCH)
        self.coders[refi_guid] = found
        self.result.coders.append(CoderMatch(label or "?", matched, found[1]))
        return found

    def _matching_user(self, person: refi.User) -> User | None:
        """The one active Humus user working on the study whose e-mail or name the REFI user carries."""
        keys = {
            " ".join(value.split()).lower() for value in (person.id, person.name) if value and value.strip()
        }
        if not keys:
            return None
        by_email = select(User).where(func.lower(User.email).in_(keys))
        by_name = select(User).where(func.lower(User.name).in_(keys), User.name != "")
        for query in (by_email, by_name):
            found = [u for u in db.session.scalars(query) if u.active and access.can_work_on(u, self.study)]
            if len(found) == 1:
                return found[0]
        return None

    def _memos(self) -> None:
        targets: dict[str, dict[str, int]] = {}
        for ref, target in self._memo_targets():
            targets.setdefault(ref, target)
        for note in self.parsed.notes:
            target = targets.get(note.guid, {})
            author = self._author(note.creating_user)
            db.session.add(
                CodingMemo(
                    coding_project_id=self.study.id,
                    author_id=author,
                    title=(note.name or "")[:200],
                    text=note.text or note.description or "",
                    guid=_guid(note.guid),
                    created_at=_naive_utc(note.creation_datetime) or self.study.created_at,
                    updated_at=_naive_utc(note.modified_datetime or note.creation_datetime)
                    or self.study.created_at,
                    **target,
                )
            )
            self.result.memos += 1

    def _memo_targets(self) -> Iterator[tuple[str, dict[str, int]]]:
        """(note GUID, where its memo goes), first reference first: codings, documents, codes, the study."""
        for guid, document in self.documents.items():
            source = next(s for s in self.parsed.sources if s.guid == guid)
            for selection in source.selections:
                coding = self.coding_of_selection.get(selection.guid)
                for ref in selection.note_refs:
                    yield ref, ({"coding_id": coding.id} if coding else {"document_id": document.id})
            for ref in source.note_refs:
                yield ref, {"document_id": document.id}
        for code in self.parsed.codebook.all_codes():
            for ref in code.note_refs:
                if code.guid in self.codes.by_guid:
                    yield ref, {"code_id": self.codes.by_guid[code.guid]}
        for ref in self.parsed.note_refs:
            yield ref, {}

    def _author(self, refi_guid: str | None) -> int:
        person = self.refi_users.get(refi_guid) if refi_guid else None
        matched = self._matching_user(person) if person else None
        return matched.id if matched else self.user.id


def _unique(code: str, taken: set[str]) -> str:
    candidate, number = code, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{code[:58]} ({number})"
    taken.add(candidate.casefold())
    return candidate
