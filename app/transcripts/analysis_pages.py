"""The analysis hub of a study put together: the reader's choices from the query string, code frequencies,
a code × dimension cross-tab, the co-occurrence matrix, word frequencies and the charts drawn from them.

Choices that cannot be understood are reported in the reader's language and replaced by the defaults, so
the page still shows something sensible.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.models import CodingProject, User
from app.transcripts import analysis_data
from app.transcripts.analysis_data import Coder, StudyCodings
from coding import charts, cooccurrence, tabulate
from coding.errors import NlpError
from coding.nlp import pipeline
from coding.retrieval import select
from coding.segments import code_paths, descendants
from coding.words import WordCount, word_frequencies

PARTICIPANT_ATTRIBUTES = ("role", "gender", "service_type", "territory", "seniority_tier")
DOCUMENT_ATTRIBUTES = ("macro_area", "service_type", "date", "org_unit")
DEFAULT_BY = "participant:role"
TOP_WORDS = 30


def attribute_label(name: str) -> str:
    """An attribute's name in the reader's language (attributes a study added keep their own name)."""
    labels = {
        "role": _("Role"),
        "gender": _("Gender"),
        "service_type": _("Service type"),
        "territory": _("Territory"),
        "seniority_tier": _("Seniority tier"),
        "seniority_years": _("Years of service"),
        "macro_area": _("Macro-area"),
        "date": _("Date"),
        "org_unit": _("Org unit"),
    }
    return labels.get(name, name)


def measure_labels() -> dict[str, str]:
    return {"segments": _("Segments"), "documents": _("Documents"), "speakers": _("Speakers")}


def dimensions(data: StudyCodings) -> dict[str, str]:
    """The dimensions a cross-tab can be by, key -> label: document, speaker, coder and the attributes."""
    found = {"document": _("Document"), "speaker": _("Speaker"), "coder": _("Coder")}
    people = set(PARTICIPANT_ATTRIBUTES) | {n for s in data.segments for n in s.participant_attributes}
    places = set(DOCUMENT_ATTRIBUTES) | {n for s in data.segments for n in s.document_attributes}
    for name in _ordered(people, PARTICIPANT_ATTRIBUTES):
        found[f"participant:{name}"] = _("Participant: %(name)s", name=attribute_label(name))
    for name in _ordered(places, DOCUMENT_ATTRIBUTES):
        found[f"document:{name}"] = _("Document: %(name)s", name=attribute_label(name))
    return found


def dimension(key: str) -> tabulate.Dimension:
    """The function that gives a segment's column in the cross-tab by `key` (a key of `dimensions`)."""
    fixed = {"document": tabulate.by_document, "speaker": tabulate.by_speaker, "coder": tabulate.by_coder}
    if key in fixed:
        return fixed[key]
    kind, _sep, name = key.partition(":")
    if kind == "participant":
        return tabulate.by_participant_attribute(name)
    return tabulate.by_document_attribute(name)


@dataclass
class Choices:
    """What the reader asked for; `errors` says what could not be understood."""

    coder: Coder | None = None
    by: str = DEFAULT_BY
    measure: str = "segments"
    rollup: bool = False
    cooc: str = "overlap"
    words: str = ""  # "", "documents", or a code id
    errors: list[str] = field(default_factory=list)

    def args(self) -> dict[str, object]:
        """The choices as query arguments, to repeat them in the links of the page and its charts."""
        found: dict[str, object] = {"by": self.by, "measure": self.measure, "cooc": self.cooc}
        if self.coder:
            found["coder"] = self.coder.id
        if self.rollup:
            found["subcodes"] = 1
        return found


def read_coder(args: Mapping[str, str], coders: list[Coder], errors: list[str]) -> Coder | None:
    """The coder chosen by id among those the user sees; an error for any other value."""
    raw = args.get("coder", "").strip()
    if not raw:
        return None
    found = [c for c in coders if str(c.id) == raw]
    if not found:
        errors.append(_("There are no codings you can see by that coder: showing every coder's."))
        return None
    return found[0]


def read_choices(
    args: MultiDict[str, str], data: StudyCodings, coder: Coder | None, errors: list[str]
) -> Choices:
    """The hub's choices; an unknown value is reported and replaced by the default."""
    choices = Choices(coder=coder, errors=errors, rollup=args.get("subcodes") == "1")
    by = args.get("by", DEFAULT_BY)
    if by in dimensions(data):
        choices.by = by
    else:
        errors.append(_("Unknown dimension for the cross-tab: showing it by participant role."))
    measure = args.get("measure", "segments")
    if measure in tabulate.MEASURES:
        choices.measure = measure
    else:
        errors.append(_("Unknown measure: showing the number of segments."))
    cooc = args.get("cooc", "overlap")
    if cooc in ("overlap", "turn"):
        choices.cooc = cooc
    else:
        errors.append(_("Unknown kind of co-occurrence: showing overlapping segments."))
    words = args.get("words", "").strip()
    if words == "documents" or words in {str(code.id) for code in data.codes} or not words:
        choices.words = words
    else:
        errors.append(_("Choose a code of this study, or whole transcripts, for the word frequencies."))
    return choices


@dataclass(frozen=True)
class Words:
    source: str  # the caption: what was counted
    counts: list[WordCount]
    error: str = ""


@dataclass(frozen=True)
class Hub:
    study: CodingProject
    data: StudyCodings
    choices: Choices
    dimensions: dict[str, str]
    totals: list[tabulate.CodeTotals]
    table: tabulate.CrossTab
    matrix: cooccurrence.Matrix
    words: Words | None


def hub(user: User, study: CodingProject, args: MultiDict[str, str]) -> Hub:
    """Everything the analysis page shows, for the reader's choices."""
    errors: list[str] = []
    coder = read_coder(args, analysis_data.coders(user, study), errors)
    of_code = args.get("words", "").strip().isdecimal()  # the segments' words are counted: texts needed
    data = analysis_data.load(user, study, coder_id=coder.id if coder else None, with_text=of_code)
    choices = read_choices(args, data, coder, errors)
    measure = cast(tabulate.Measure, choices.measure)
    table = tabulate.crosstab(data.segments, data.codes, dimension(choices.by), measure, choices.rollup)
    return Hub(
        study,
        data,
        choices,
        dimensions(data),
        tabulate.code_totals(data.segments, data.codes, choices.rollup),
        table.nonempty(),
        co_occurrence(data, choices.cooc),
        _words(study, data, choices),
    )


def co_occurrence(data: StudyCodings, kind: str) -> cooccurrence.Matrix:
    """The co-occurrence matrix of the codes given at least once (overlap or turn)."""
    if kind == "turn":
        matrix = cooccurrence.by_turn(data.segments, data.turns, data.codes)
    else:
        matrix = cooccurrence.by_overlap(data.segments, data.codes)
    keep = [i for i in range(len(matrix.codes)) if matrix.counts[i][i]]
    return cooccurrence.Matrix(
        tuple(matrix.codes[i] for i in keep), tuple(tuple(matrix.counts[i][j] for j in keep) for i in keep)
    )


def chart(page: Hub, name: str) -> bytes:
    """The frequency bars or the co-occurrence heatmap of the page, as PNG."""
    paths = code_paths(page.data.codes)
    if name == "frequencies":
        given = [t for t in page.totals if t.segments]
        counts = [getattr(t, page.choices.measure) for t in given]
        label = measure_labels()[page.choices.measure]
        figure = charts.frequency_bars(
            [paths[t.code.id] for t in given], counts, _("Code frequencies"), label
        )
    else:
        labels = [paths[code.id] for code in page.matrix.codes]
        figure = charts.cooccurrence_heatmap(labels, page.matrix.counts, _("Co-occurrence of codes"))
    return charts.png(figure)


def _words(study: CodingProject, data: StudyCodings, choices: Choices) -> Words | None:
    if not choices.words:
        return None
    if choices.words == "documents":
        texts = analysis_data.document_texts(study)
        source = _("The most frequent words (lemmas, without stop words) of the whole transcripts.")
    else:
        code_id = int(choices.words)
        ids = descendants(data.codes, code_id) if choices.rollup else {code_id}
        texts = [s.text for s in select(data.segments, ids)]
        source = _(
            "The most frequent words (lemmas, without stop words) of the segments of %(code)s.",
            code=code_paths(data.codes)[code_id],
        )
    try:
        nlp = pipeline(study.language or "it")
    except NlpError:
        return Words(source, [], _("Word frequencies are not available for the language of this study."))
    return Words(source, word_frequencies(nlp, texts, TOP_WORDS))


def _ordered(names: set[str], first: tuple[str, ...]) -> list[str]:
    return [n for n in first if n in names] + sorted(names - set(first), key=str.casefold)


def percent(value: float | None) -> str:
    """A row percentage as the reader writes it: 66,7% in Italian; a dash for none."""
    return "—" if value is None else format_decimal(value, format="0.0") + "%"
