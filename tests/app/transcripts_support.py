"""Shared set-up of the coding workbench tests: a study in the Ambito di Lecce with a focus-group transcript.

Users: `lead` (researcher over Puglia, created the study), coders `anna` and `bruno` (evaluators in the
Ambito di Lecce), `outsider` (evaluator in the Ambito di Bari, who must see nothing of the study).
"""

from dataclasses import dataclass

import pytest

from app.extensions import db
from app.models import (
    Code,
    Coding,
    CodingDocument,
    CodingMemo,
    CodingParticipant,
    CodingProject,
    CodingTurn,
    Project,
)
from coding.documents import read_document

# A short focus group as uploaded; the stored text is IMPORTED.text, without the speaker markers, and its
# offsets count code points (it has an accent and an emoji).
TRANSCRIPT = (
    "MODERATORE: Come lavorate con le famiglie?\n"
    "P01: Il servizio è aperto tre giorni; le famiglie arrivano tardi 😕.\n"
    "P02: Servono più operatori e una rete con la scuola.\n"
)
IMPORTED = read_document(TRANSCRIPT.encode(), "fg_lecce_2025.txt")


@dataclass
class Workbench:
    project_id: int
    study_id: int
    document_id: int
    codes: dict[str, int]  # name -> id
    turns: list[int]  # ids, in order
    users: dict[str, int]  # lead, anna, bruno, outsider -> user id


def add_coding(workbench: Workbench, coder: str, code: str, start: int, end: int) -> int:
    coding = Coding(
        document_id=workbench.document_id,
        code_id=workbench.codes[code],
        start=start,
        end=end,
        coder_id=workbench.users[coder],
    )
    db.session.add(coding)
    db.session.commit()
    return coding.id


@pytest.fixture
def workbench(app, make_user, territory) -> Workbench:
    lead = make_user("lead@example.org", "researcher", territory.region)
    anna = make_user("anna@example.org", "evaluator", territory.ambito_lecce)
    bruno = make_user("bruno@example.org", "evaluator", territory.ambito_lecce)
    outsider = make_user("fuori@example.org", "evaluator", territory.ambito_bari)
    with app.app_context():
        project = Project(code="humus", name="HUMUS")
        db.session.add(project)
        db.session.flush()
        study = CodingProject(
            project_id=project.id,
            org_unit_id=territory.ambito_lecce.id,
            name="Focus group CSF Lecce",
            created_by_id=lead.id,
        )
        db.session.add(study)
        db.session.flush()
        document = CodingDocument(
            coding_project_id=study.id,
            name="fg_lecce_2025.txt",
            text=IMPORTED.text,
            text_sha256="",
            attributes={"macro_area": "Sud", "service_type": "CSF", "date": "2025-03-04"},
            org_unit_id=territory.ambito_lecce.id,
        )
        db.session.add(document)
        db.session.flush()
        people = {}
        for code, attributes in (
            ("P01", {"role": "educatrice", "gender": "F"}),
            ("P02", {"role": "assistente"}),
        ):
            people[code] = CodingParticipant(coding_project_id=study.id, code=code, attributes=attributes)
            db.session.add(people[code])
        db.session.flush()
        turns = []
        for position, parsed in enumerate(IMPORTED.turns):
            turn = CodingTurn(
                document_id=document.id,
                position=position,
                speaker=parsed.speaker,
                role=parsed.role or "",
                start=parsed.start,
                end=parsed.end,
                participant_id=people[parsed.speaker].id if parsed.speaker in people else None,
            )
            db.session.add(turn)
            turns.append(turn)
        codes = {}
        for name, colour in (
            ("Criticità", "#d9364f"),
            ("Risorse", "#008758"),
            ("Bisogni formativi", "#0066cc"),
        ):
            code = Code(
                coding_project_id=study.id, name=name, colour=colour, marks_need=name.startswith("Bis")
            )
            db.session.add(code)
            codes[name] = code
        db.session.commit()
        users = {"lead": lead.id, "anna": anna.id, "bruno": bruno.id, "outsider": outsider.id}
        return Workbench(
            project.id,
            study.id,
            document.id,
            {n: c.id for n, c in codes.items()},
            [t.id for t in turns],
            users,
        )


def transcript_rows(project: Project, org_unit_id: int) -> dict[str, int]:
    """A study in an org unit with one row of each workbench kind, for the scoping tests; the caller commits."""
    study = CodingProject(project=project, org_unit_id=org_unit_id, name="Studio")
    db.session.add(study)
    db.session.flush()
    document = CodingDocument(coding_project_id=study.id, name="fg.txt", text=IMPORTED.text, text_sha256="")
    code = Code(coding_project_id=study.id, name="Criticità")
    db.session.add_all([document, code])
    db.session.flush()
    turn = CodingTurn(document_id=document.id, position=0, speaker="P01", start=0, end=30)
    coding = Coding(document_id=document.id, code_id=code.id, start=0, end=30)
    db.session.add_all([turn, coding])
    db.session.flush()
    memo = CodingMemo(coding_project_id=study.id, document_id=document.id, text="nota")
    db.session.add(memo)
    db.session.flush()
    return {
        "study": study.id,
        "document": document.id,
        "code": code.id,
        "turn": turn.id,
        "coding": coding.id,
        "memo": memo.id,
    }
