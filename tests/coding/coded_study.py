"""A small coded study for the analysis tests: two transcripts, four codes, nine codings by two coders.

Document 1 is the focus group of tests/app (an accent and an emoji: offsets count code points); document 2
a short interview. Expected counts in the tests were worked out by hand from the table below.

    id  doc code                coder  span     speaker
    1   1   Criticità           anna   64-92    P01   "le famiglie arrivano tardi 😕"
    2   1   Risorse             anna   31-62    P01   "Il servizio è aperto tre giorni"
    3   1   Personale (< Crit.) anna   94-115   P02   "Servono più operatori"
    4   1   Risorse             anna   118-140  P02   "una rete con la scuola"
    5   1   Bisogni formativi   bruno  94-126   P02   "Servono più operatori e una rete"
    6   1   Criticità           bruno  76-93    P01   "arrivano tardi 😕."
    7   2   Personale           anna   12-27    P01   "Manca personale"
    8   2   Risorse             anna   29-59    P01   "la rete con la scuola funziona"
    9   2   Criticità           anna   0-11     INTERVISTATORE "Cosa manca?"
"""

from dataclasses import dataclass

from coding.segments import CodeNode, Segment, TurnSpan, code_paths, with_speakers

FOCUS_GROUP = (
    "Come lavorate con le famiglie?\n"
    "Il servizio è aperto tre giorni; le famiglie arrivano tardi 😕.\n"
    "Servono più operatori e una rete con la scuola.\n"
)
INTERVIEW = "Cosa manca?\nManca personale; la rete con la scuola funziona.\n"
TEXTS = {1: FOCUS_GROUP, 2: INTERVIEW}
NAMES = {1: "fg_lecce_2025.txt", 2: "intervista_bari.txt"}
DOCUMENT_ATTRIBUTES = {1: {"macro_area": "Sud", "service_type": "CSF"}, 2: {"macro_area": "Sud"}}

CRITICITA, PERSONALE, RISORSE, BISOGNI = 1, 2, 3, 4
CODES = (
    CodeNode(CRITICITA, "Criticità", definition="Ciò che non funziona nel servizio.", colour="#d9364f"),
    CodeNode(PERSONALE, "Personale", parent_id=CRITICITA, definition="Mancanza di operatori."),
    CodeNode(RISORSE, "Risorse", when_to_use="Quando si cita un punto di forza.", colour="#008758"),
    CodeNode(BISOGNI, "Bisogni formativi", example="Servirebbe un corso su…"),
)
P01 = {"role": "educatrice", "gender": "F", "seniority_tier": "aggiornamento"}
P02 = {"role": "assistente", "gender": "M", "seniority_tier": "start up"}
TURNS = (
    TurnSpan(1, 0, 30, "MODERATORE"),
    TurnSpan(1, 31, 93, "P01", "P01", P01),
    TurnSpan(1, 94, 141, "P02", "P02", P02),
    TurnSpan(2, 0, 11, "INTERVISTATORE"),
    TurnSpan(2, 12, 60, "P01", "P01", P01),
)
CODINGS = (  # id, document, code, coder, start, end
    (1, 1, CRITICITA, "anna", 64, 92),
    (2, 1, RISORSE, "anna", 31, 62),
    (3, 1, PERSONALE, "anna", 94, 115),
    (4, 1, RISORSE, "anna", 118, 140),
    (5, 1, BISOGNI, "bruno", 94, 126),
    (6, 1, CRITICITA, "bruno", 76, 93),
    (7, 2, PERSONALE, "anna", 12, 27),
    (8, 2, RISORSE, "anna", 29, 59),
    (9, 2, CRITICITA, "anna", 0, 11),
)


@dataclass(frozen=True)
class CodedStudy:
    codes: tuple[CodeNode, ...]
    turns: tuple[TurnSpan, ...]
    segments: list[Segment]

    def segment(self, segment_id: int) -> Segment:
        return next(s for s in self.segments if s.id == segment_id)


def coded_study() -> CodedStudy:
    paths = code_paths(CODES)
    segments = [
        Segment(
            id=coding_id,
            document_id=document,
            document=NAMES[document],
            code_id=code,
            code_path=paths[code],
            start=start,
            end=end,
            text=TEXTS[document][start:end],
            document_attributes=DOCUMENT_ATTRIBUTES[document],
            coder=coder,
        )
        for coding_id, document, code, coder, start, end in CODINGS
    ]
    return CodedStudy(CODES, TURNS, with_speakers(segments, TURNS))
