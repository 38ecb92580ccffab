"""Speaker turns: markers recognised, lines with a colon left alone, offsets in the cleaned text."""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding.errors import TurnPatternError
from coding.turns import (
    DEFAULT_PATTERNS,
    Turn,
    find_markers,
    parse_turns,
    remove_markers,
    seconds,
    turn_pattern,
)
from tests.coding.transcript_files import transcript


def spoken(text: str) -> list[tuple[str, str]]:
    """(speaker, words) of each turn."""
    parsed = parse_turns(text)
    return [(turn.speaker, parsed.text_without_markers[turn.start : turn.end]) for turn in parsed.turns]


@pytest.mark.parametrize(
    ("line", "speaker", "role", "timestamp"),
    [
        ("Anna: Buongiorno.", "Anna", None, None),
        ("ANNA ROSSI: Buongiorno.", "ANNA ROSSI", None, None),
        ("MODERATORE: Buongiorno.", "MODERATORE", "moderatore", None),
        ("Moderatrice: Buongiorno.", "Moderatrice", "moderatore", None),
        ("[00:12:31] Anna (educatrice): Buongiorno.", "Anna", "educatrice", 751.0),
        ("(00:12:31) Anna: Buongiorno.", "Anna", None, 751.0),
        ("[12:31] Anna: Buongiorno.", "Anna", None, 751.0),
        ("00:12:31 Anna: Buongiorno.", "Anna", None, 751.0),
        ("Anna [assistente sociale]: Buongiorno.", "Anna", "assistente sociale", None),
        ("Anna (educatrice) [00:12:31,500]: Buongiorno.", "Anna", "educatrice", 751.5),
        ("Giuseppe D'Amico: Buongiorno.", "Giuseppe D'Amico", None, None),
        ("Maria della Valle: Buongiorno.", "Maria della Valle", None, None),
        ("Carla dell'Orto: Buongiorno.", "Carla dell'Orto", None, None),
        ("Maria R.: Buongiorno.", "Maria R.", None, None),
        ("I: Buongiorno.", "I", "intervistatore", None),
        ("R: Buongiorno.", "R", "intervistato", None),
        ("TUTTI: Buongiorno.", "TUTTI", None, None),
        ("  Nicolò:\tBuongiorno.", "Nicolò", None, None),
    ],
)
def test_a_marker_becomes_a_turn_with_its_speaker_role_and_time(line, speaker, role, timestamp):
    text = f"Intestazione\n{line}\nMODERATORE: Grazie.\n{line}\n"

    parsed = parse_turns(text)

    first = parsed.turns[0]
    assert (first.speaker, first.role, first.timestamp_seconds) == (speaker, role, timestamp)
    assert parsed.text_without_markers[first.start : first.end] == "Buongiorno."


@pytest.mark.parametrize(
    "line",
    [
        "Nota bene: la registrazione è anonima.",
        "Ore 10: inizio della registrazione.",
        "Oggetto: incontro con le famiglie",
        "Comunque: non sempre succede.",
        "Secondo me: servono più educatori.",
        "Alle 10: apre lo sportello.",
        "Ore 10:30 inizio",
        "10:30 Inizio dei lavori: saluti",
        "https://humus.example/trascrizioni",
        "Il punto è questo: la continuità.",
        "anna: scritto in minuscolo",
        "Una persona che parla a lungo: no",
    ],
)
def test_a_line_with_a_colon_is_no_turn(line):
    text = f"MODERATORE: Prima.\n{line}\n{line}\nMODERATORE: Dopo."

    parsed = parse_turns(text)

    assert [turn.speaker for turn in parsed.turns] == ["MODERATORE", "MODERATORE"]
    assert parsed.text_without_markers == f"Prima.\n{line}\n{line}\nDopo."


def test_a_single_first_name_is_a_speaker_only_when_it_recurs_or_is_listed():
    once = "MODERATORE: Chi inizia?\nAnna: Io.\nMODERATORE: Grazie."
    twice = once + "\nAnna: Prego."

    assert [speaker for speaker, _ in spoken(once)] == ["MODERATORE", "MODERATORE"]
    assert [speaker for speaker, _ in spoken(twice)] == ["MODERATORE", "Anna", "MODERATORE", "Anna"]
    listed = parse_turns(once, speakers=["anna"])
    assert [turn.speaker for turn in listed.turns] == ["MODERATORE", "Anna", "MODERATORE"]


def test_a_listed_participant_is_a_speaker_whatever_the_shape_of_the_name():
    text = "don Mario: Benvenuti.\nMODERATORE: Grazie."

    parsed = parse_turns(text, speakers=["Don Mario"])

    assert parsed.turns[0].speaker == "don Mario"
    assert parsed.text_without_markers.startswith("Benvenuti.")


def test_continuation_lines_belong_to_the_previous_turn_without_the_blank_lines_after_it():
    text = (
        "Titolo\n\nMODERATORE: Prima riga.\nSeconda riga.\n\nTerza riga dopo una riga vuota.\n\n\nANNA: Sì.\n"
    )

    parsed = parse_turns(text)

    assert spoken(text) == [
        ("MODERATORE", "Prima riga.\nSeconda riga.\n\nTerza riga dopo una riga vuota."),
        ("ANNA", "Sì."),
    ]
    assert parsed.text_without_markers.startswith("Titolo\n\nPrima riga.")


def test_a_marker_alone_on_its_line_starts_the_turn_on_the_next_one():
    assert spoken("MODERATORE:\nBuongiorno.\nANNA: Salve.") == [
        ("MODERATORE", "Buongiorno."),
        ("ANNA", "Salve."),
    ]


def test_a_turn_with_no_words_is_empty_at_its_place():
    parsed = parse_turns("ANNA:\nMARCO: Sì.")

    assert parsed.turns[0] == Turn(0, 0, "ANNA")
    assert parsed.text_without_markers == "\nSì."


def test_the_focus_group_turns_point_at_the_spoken_words_with_accents_and_emoji():
    text = transcript("focus_group_genitori.txt").decode("utf-8")

    parsed = parse_turns(text)

    cleaned = parsed.text_without_markers
    assert len(parsed.turns) == 19
    assert {turn.speaker for turn in parsed.turns} == {
        "MODERATRICE",
        "Anna Rossi",
        "Giuseppe D'Amico",
        "Nicolò",
        "MARIA GRAZIA ESPOSITO",
        "Fatima",
        "Lucia",
    }
    maria = parsed.turns[4]
    assert cleaned[maria.start : maria.end] == (
        "Io sono mamma di due bambini, uno va al centro diurno. Vengo qui perché mi trovo bene 😊"
    )
    fatima = parsed.turns[5]
    assert cleaned[fatima.start : fatima.end] == (
        "Sono Fatima, mediatrice culturale. Lavoro con le famiglie arrivate da poco in città."
    )
    anna = parsed.turns[8]
    assert (anna.speaker, anna.role, anna.timestamp_seconds) == ("Anna Rossi", "educatrice", 245.0)
    assert cleaned[anna.start : anna.end] == (
        "Per me il punto è questo: la continuità. Quando un ragazzo trova la stessa educatrice per tre anni, "
        "si fida.\nNota bene: parlo del centro diurno, non dell'assistenza domiciliare."
    )
    assert cleaned.startswith("Focus group «Genitori e servizi» — ATS Bari, 12 marzo 2025\nLuogo: Centro")


def test_the_interview_uses_i_and_r():
    text = transcript("intervista_operatrice.txt").decode("utf-8")

    parsed = parse_turns(text)

    assert [turn.role for turn in parsed.turns] == ["intervistatore", "intervistato"] * 3
    answer = parsed.turns[3]
    assert parsed.text_without_markers[answer.start : answer.end].endswith(
        "è già difficile.\nEsempio: una mamma mi ha chiamata solo dopo la segnalazione della scuola."
    )


def test_a_custom_pattern_can_put_the_speaker_on_a_line_of_its_own():
    otter = turn_pattern(r"^(?P<speaker>Speaker \d+)[ \t]+(?P<time>\d+:\d{2})[ \t]*\n")
    text = "Speaker 1  0:03\nBuongiorno.\nSpeaker 2  0:10\nSalve, grazie.\n"

    parsed = parse_turns(text, (otter, *DEFAULT_PATTERNS))

    assert [(turn.speaker, turn.timestamp_seconds) for turn in parsed.turns] == [
        ("Speaker 1", 3.0),
        ("Speaker 2", 10.0),
    ]
    assert parsed.text_without_markers == "Buongiorno.\nSalve, grazie.\n"


def test_an_unchecked_pattern_trusts_every_match():
    checked = turn_pattern(r"(?P<speaker>\w+) dice:\s*")
    unchecked = turn_pattern(r"(?P<speaker>\w+) dice:\s*", checked=False)
    text = "anna dice: sì\nmarco dice: no"

    assert parse_turns(text, (checked,)).turns == ()
    assert [turn.speaker for turn in parse_turns(text, (unchecked,)).turns] == ["anna", "marco"]


@pytest.mark.parametrize(
    ("regex", "message"),
    [("(?P<speaker>[A-Z", "non è un'espressione regolare valida"), (r"(?P<nome>\w+):", "(?P<speaker>...)")],
)
def test_a_bad_custom_pattern_is_refused_in_italian_and_english(regex, message):
    with pytest.raises(TurnPatternError, match="/") as raised:
        turn_pattern(regex)

    assert message in str(raised.value)


def test_without_patterns_the_text_stays_as_it_is():
    parsed = parse_turns("ANNA: Sì.", ())

    assert parsed.text_without_markers == "ANNA: Sì."
    assert parsed.turns == ()


@pytest.mark.parametrize(
    ("time", "expected"),
    [("12:31", 751.0), ("1:02:03", 3723.0), ("00:12:31.500", 751.5), ("00:00:01,25", 1.25)],
)
def test_timestamps_are_read_as_seconds(time, expected):
    assert seconds(time) == expected


NAMES = st.sampled_from(["ANNA", "Marco Bianchi", "MODERATORE", "[00:01:02] Lucia (educatrice)", "Nicolò"])
WORDS = st.lists(
    st.sampled_from(["sì", "però:", "città", "😊", "l'anno", "Nota bene:", "10:30", "\n"]), max_size=8
)


@given(st.lists(st.tuples(NAMES, WORDS), min_size=1, max_size=12))
def test_removing_markers_only_removes_them_and_turns_stay_in_order(said):
    text = "\n".join(f"{name}: {' '.join(words)}" for name, words in said)

    markers = find_markers(text)
    parsed = remove_markers(text, markers)

    kept = "".join(
        text[end:start]
        for end, start in zip(
            [0] + [m.end for m in markers], [m.start for m in markers] + [len(text)], strict=True
        )
    )
    assert parsed.text_without_markers == kept
    ends = [0] + [turn.end for turn in parsed.turns]
    for turn, previous_end in zip(parsed.turns, ends, strict=False):
        assert previous_end <= turn.start <= turn.end <= len(parsed.text_without_markers)


def test_a_custom_pattern_that_backtracks_without_end_is_stopped_with_a_message(monkeypatch):
    """A study's pattern is typed by a person: '(a|a)+b' on a long line of a's would run for ages."""
    from coding import turns

    monkeypatch.setattr(turns, "USER_PATTERN_SECONDS", 0.2)
    runaway = turn_pattern(r"(?P<speaker>(a|a)+)b:", checked=False)
    started = time.monotonic()

    with pytest.raises(TurnPatternError, match="troppo tempo") as raised:
        parse_turns("a" * 40 + "\n" + "Anna: ciao", (runaway,))

    assert time.monotonic() - started < 5
    assert "takes too long" in str(raised.value)


def test_a_custom_pattern_too_long_to_be_a_speaker_marker_is_refused():
    with pytest.raises(TurnPatternError, match="troppo lungo"):
        turn_pattern("(?P<speaker>" + "a" * 600 + ")")
