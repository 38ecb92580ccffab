"""Demo study: three focus groups of the Humus corpus (fictional, CC0), its codebook, and two coders.

The evaluator of the demo (valutazione@humus.demo) codes every participant turn as the corpus does; the
researcher (ricerca@humus.demo) codes the first focus group again with a few differences, so the agreement
and disagreement pages have something to show. Running it again changes nothing: the study is found by name.
"""

import json
from pathlib import Path

from sqlalchemy import select

from app.auth.services import find_user_by_email
from app.extensions import db
from app.models import Code, CodingParticipant, CodingProject, Project, User
from app.territory.tree import find_by_code
from app.transcripts import codebook, codings, documents

CORPUS = Path(__file__).resolve().parent / "data" / "focus_groups.json"
STUDY = "Focus group HUMUS – Attività 1.3 (demo)"
GROUPS = 3
CODER = "valutazione@humus.demo"
SECOND_CODER = "ricerca@humus.demo"
NEEDS = {"formazione"}  # corpus code ids that mark training needs
COLOURS = ("#d9364f", "#008758", "#0066cc", "#a66300", "#7a3e9d", "#00838f", "#c2185b")


def load_demo_transcripts(project: Project) -> CodingProject | None:
    """Create the demo study unless it exists; None when the demo's coders are missing."""
    if db.session.scalars(select(CodingProject).where(CodingProject.name == STUDY)).first():
        return None
    coder, second = find_user_by_email(CODER), find_user_by_email(SECOND_CODER)
    if coder is None or second is None:
        return None
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    study = CodingProject(
        project_id=project.id,
        org_unit_id=_region_id(),
        name=STUDY,
        created_by_id=coder.id,
        description=corpus["note"],
    )
    db.session.add(study)
    db.session.flush()
    codes = _codebook(coder, study, corpus["codes"])
    for number, group in enumerate(corpus["documents"][:GROUPS], start=1):
        _document(coder, second, study, group, codes, number)
    db.session.commit()
    return study


def _region_id() -> int | None:
    region = find_by_code("16")
    return region.id if region else None


def _codebook(user: User, study: CodingProject, entries: list[dict]) -> dict[str, Code]:
    codes = {}
    for index, entry in enumerate(entries):
        data = codebook.CodeInput(
            name=entry["name"],
            definition=entry.get("definition", ""),
            colour=COLOURS[index % len(COLOURS)],
            marks_need=entry["id"] in NEEDS,
        )
        codes[entry["id"]] = codebook.create_code(user, study, data)
    db.session.flush()
    return codes


def _speaker(code: str, number: int) -> str:
    """The corpus names speakers by role codes that repeat across groups (AS1, PSI): make them unique."""
    return code if code == "MOD" else f"{code}-G{number}"


def _document(
    user: User, second: User, study: CodingProject, group: dict, codes: dict[str, Code], number: int
):
    lines = [f"{_speaker(turn['speaker'], number)}: {turn['text']}" for turn in group["turns"]]
    given = documents.DocumentInput(
        filename=f"{group['id']}.txt",
        data=("\n".join(lines) + "\n").encode("utf-8"),
        name=group["title"],
        attributes={"service_type": _service(group), "macro_area": "Puglia", "date": "2025-03-12"},
    )
    imported = documents.import_document(user, study, given)
    document = imported.document
    _describe_participants(study, {_speaker(k, number): v for k, v in group["participants"].items()})
    for index, (turn, source) in enumerate(zip(document.turns, group["turns"], strict=True)):
        chosen = [codes[c] for c in source["codes"] if c in codes]
        if not chosen:
            continue
        codings.apply_codes(user, document, chosen, turn.start, turn.end)
        if number == 1:
            # The second coder agrees mostly, drops a code one turn in four and adds none.
            kept = chosen if index % 4 else chosen[:-1] or chosen
            codings.apply_codes(second, document, kept, turn.start, turn.end)


def _service(group: dict) -> str:
    services = {p.get("servizio", "") for p in group["participants"].values()} - {"ricerca", ""}
    return sorted(services)[0] if services else ""


def _describe_participants(study: CodingProject, people: dict[str, dict]) -> None:
    for person in db.session.scalars(
        select(CodingParticipant).where(CodingParticipant.coding_project_id == study.id)
    ):
        details = people.get(person.code)
        if details and not person.attributes.get("service_type"):
            person.attributes = {
                "role": details.get("ruolo", ""),
                "service_type": details.get("servizio", ""),
            }
