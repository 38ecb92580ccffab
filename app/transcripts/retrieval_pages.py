"""The retrieval page of a code: its segments (and its sub-codes', when asked), filtered by document, coder,
speaker and participant attribute, each in its sentence, a page at a time. Reading them is audited, as
reading a transcript is."""

from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app import audit
from app.extensions import db
from app.models import Code, CodingProject, User
from app.numbers import whole_number
from app.transcripts import access, analysis_data
from app.transcripts.analysis_data import Coder, StudyCodings
from app.transcripts.analysis_pages import PARTICIPANT_ATTRIBUTES, read_coder
from coding.retrieval import CONTEXT_WIDTH, Filters, Quote, attribute_values, quotes, select
from coding.segments import CodeNode, code_paths, descendants, tree

PER_PAGE = 50


@dataclass
class Pages:
    """Enough of Flask-SQLAlchemy's Pagination for the pager macro."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self) -> list[int | None]:
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        found: list[int | None] = []
        for number in shown:
            if found and number - (found[-1] or 0) > 1:
                found.append(None)
            found.append(number)
        return found


@dataclass
class Retrieval:
    study: CodingProject
    code: Code | None
    path: str
    data: StudyCodings
    subcodes: bool = False
    documents: list[int] = field(default_factory=list)
    coder: Coder | None = None
    speaker: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    quotes: list[Quote] = field(default_factory=list)
    pages: Pages = field(default_factory=lambda: Pages(1, PER_PAGE, 0))
    speakers: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)  # code id -> visible segments, for the chooser
    errors: list[str] = field(default_factory=list)

    def tree(self) -> list[tuple[CodeNode, int]]:
        """The codebook with depths, for the chooser."""
        return tree(self.data.codes)

    def args(self) -> dict[str, object]:
        """The filters as query arguments, for the pager's links."""
        found: dict[str, object] = {"code_id": self.code.id} if self.code else {}
        if self.subcodes:
            found["subcodes"] = 1
        if self.documents:
            found["document"] = self.documents
        if self.coder:
            found["coder"] = self.coder.id
        if self.speaker:
            found["speaker"] = self.speaker
        return found | {name: value for name, value in self.attributes.items() if value}


def retrieval(user: User, study: CodingProject, args: MultiDict[str, str]) -> Retrieval:
    """The segments of the code in `args` that pass its filters; without a code, the codes to choose from."""
    errors: list[str] = []
    code = _code(user, study, args, errors)
    documents = _documents(study, args, errors)
    coder = read_coder(args, analysis_data.coders(user, study), errors)
    subcodes = args.get("subcodes") == "1"
    codes = analysis_data.code_nodes(study)
    ids = None if code is None else (descendants(codes, code.id) if subcodes else {code.id})
    data = analysis_data.load(
        user,
        study,
        coder_id=coder.id if coder else None,
        document_ids=documents,
        code_ids=ids,
        with_text=False,
    )
    page = Retrieval(study, code, "", data, subcodes, documents, coder, errors=errors)
    if code is None or ids is None:
        for segment in data.segments:
            page.counts[segment.code_id] = page.counts.get(segment.code_id, 0) + 1
        return page
    page.path = code_paths(data.codes).get(code.id, code.name)
    of_code = select(data.segments, ids)
    page.speakers = sorted({s.speaker for s in of_code if s.speaker}, key=str.casefold)
    page.values = attribute_values(of_code, PARTICIPANT_ATTRIBUTES)
    page.speaker = args.get("speaker", "").strip()
    page.attributes = {name: args.get(name, "").strip() for name in PARTICIPANT_ATTRIBUTES}
    filters = Filters(
        speakers=frozenset({page.speaker} - {""}),
        attributes={name: frozenset({value}) for name, value in page.attributes.items() if value},
    )
    found = select(of_code, None, filters)
    page.pages = Pages(_page_number(args, errors), PER_PAGE, len(found))
    shown = found[(page.pages.page - 1) * PER_PAGE : page.pages.page * PER_PAGE]
    page.quotes = quotes(shown, analysis_data.windows(shown, CONTEXT_WIDTH))
    _audit(user, study, code, len(found))
    return page


def _code(user: User, study: CodingProject, args: MultiDict[str, str], errors: list[str]) -> Code | None:
    raw = args.get("code_id", "").strip()
    if not raw:
        return None
    number = whole_number(raw)
    if number is None:
        errors.append(_("Choose a code from the list."))
        return None
    return access.code_or_404(user, number, study)


def _documents(study: CodingProject, args: MultiDict[str, str], errors: list[str]) -> list[int]:
    """The documents chosen; one of another study (or none) answers 404, like any id out of reach."""
    known = {doc_id for doc_id, _name in analysis_data.documents(study)}
    chosen = []
    for raw in args.getlist("document"):
        if not raw.strip():
            continue
        number = whole_number(raw)
        if number is None:
            errors.append(_("Choose transcripts from the list."))
            continue
        if number not in known:
            abort(404)
        chosen.append(number)
    return chosen


def _page_number(args: MultiDict[str, str], errors: list[str]) -> int:
    raw = args.get("page", "1").strip()
    number = whole_number(raw)
    if number is not None and number >= 1:
        return number
    errors.append(_("That page number does not exist: showing the first page."))
    return 1


def _audit(user: User, study: CodingProject, code: Code, found: int) -> None:
    audit.record("coding.retrieve", code, org_unit_id=study.org_unit_id, actor=user, segments=found)
    db.session.commit()
