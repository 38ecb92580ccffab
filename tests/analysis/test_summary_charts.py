"""Charts of summaries: valid SVG and PNG, the same bytes each time, words in the language asked for."""

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import matplotlib
import pytest
from defusedxml.ElementTree import fromstring

from analysis.summaries import FormSummary, Record, summarise
from analysis.summary_charts import (
    bar_chart,
    chart_text,
    histogram_chart,
    question_chart,
    render,
    time_chart,
)
from forms.spec_read import read_xform
from tests.forms.conftest import xform_from_md

SVG = "{http://www.w3.org/2000/svg}svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

FORM = """
| survey |
|        | type                  | name    | label                                                         |
|        | select_one servizio   | servizio | È già seguito dai servizi sociali del comune di residenza?   |
|        | select_multiple aiuti | aiuti   | Aiuti ricevuti                                                |
|        | integer               | eta     | Età del minore                                                |
|        | date                  | visita  | Data della visita                                             |
|        | text                  | note_op | Note                                                          |
| choices |
|         | list_name | name | label                                                                  |
|         | servizio  | si   | Sì, da un'assistente sociale del comune e dal consultorio familiare della ASL |
|         | servizio  | no   | No                                                                     |
|         | aiuti     | cibo | Pacco alimentare                                                       |
|         | aiuti     | casa | Contributo per l'affitto                                               |
"""


@pytest.fixture(scope="module")
def summary() -> FormSummary:
    spec = read_xform(xform_from_md(FORM))
    data = [
        {"servizio": "si", "aiuti": ["cibo", "casa"], "eta": 4, "visita": "2025-01-10", "note_op": "x"},
        {"servizio": "no", "aiuti": ["cibo"], "eta": 9, "visita": "2025-03-02"},
        {"servizio": "si", "eta": 15},
        {},
    ]
    return summarise(spec, [Record(item, datetime(2025, 3, day + 1)) for day, item in enumerate(data)])


def comments(svg: bytes) -> list[str]:
    """The texts of an SVG whose glyphs are drawn as paths: matplotlib names each in a comment."""
    return [text.strip() for text in re.findall(r"<!-- (.*?) -->", svg.decode(), flags=re.DOTALL)]


def test_a_bar_chart_renders_to_valid_svg_with_its_italian_words(summary):
    svg = render(bar_chart(summary.question("/data/servizio"), chart_text("it")))

    assert fromstring(svg).tag == SVG
    texts = comments(svg)
    assert "È già seguito dai servizi sociali del comune di residenza?" in texts
    assert "Numero di risposte" in texts
    assert "2 (66,7%)" in texts
    assert "Senza risposta: 1" in texts


def test_long_choice_labels_are_wrapped(summary):
    figure = bar_chart(summary.question("/data/servizio"))

    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]

    assert labels[0].startswith("Sì, da un'assistente") and "\n" in labels[0]
    assert all(len(line) <= 32 for line in labels[0].splitlines())


def test_a_select_multiple_chart_says_its_percentages_are_of_respondents(summary):
    texts = comments(render(bar_chart(summary.question("/data/aiuti"), chart_text("en"))))

    assert "Number of answers" in texts
    assert "2 (100%)" in texts
    assert any("more than one answer" in text for text in texts)


def test_a_histogram_renders_to_png(summary):
    png = render(histogram_chart(summary.question("/data/eta")), "png")

    assert png.startswith(PNG_SIGNATURE)


def test_time_charts_count_submissions_or_answers(summary):
    submissions = comments(render(time_chart(summary, chart_text("en"))))
    answers = comments(render(time_chart(summary.question("/data/visita"), chart_text("it"))))

    assert {"Submissions over time", "Number of submissions", "Month", "2025-03"} <= set(submissions)
    assert {"Data della visita", "Numero di risposte", "Mese", "2025-01", "2025-02"} <= set(answers)


def test_a_chart_of_no_answers_says_so():
    spec = read_xform(xform_from_md(FORM))
    empty = summarise(spec, [])

    texts = comments(render(histogram_chart(empty.question("/data/eta"))))

    assert "Nessuna risposta" in texts


def test_the_same_summary_gives_the_same_svg_bytes(summary):
    first = render(bar_chart(summary.question("/data/aiuti")))
    second = render(bar_chart(summary.question("/data/aiuti")))

    assert first == second
    assert b"<dc:date>" not in first


def test_rendering_a_figure_twice_gives_the_same_bytes(summary):
    figure = histogram_chart(summary.question("/data/eta"))

    assert render(figure) == render(figure)
    assert render(figure, "png") == render(figure, "png")


def test_rendering_leaves_matplotlib_settings_as_they_were(summary):
    before = matplotlib.rcParams["svg.hashsalt"]

    render(time_chart(summary))

    assert matplotlib.rcParams["svg.hashsalt"] == before


def test_an_unknown_format_is_refused(summary):
    with pytest.raises(ValueError, match="fmt"):
        render(time_chart(summary), "jpg")


def test_each_question_gets_the_chart_that_suits_it(summary):
    kinds = {q.name: question_chart(q) is not None for q in summary.questions}

    assert kinds == {"servizio": True, "aiuti": True, "eta": True, "visita": True, "note_op": False}


@pytest.mark.parametrize(
    ("lang", "axis"),
    [("it", "Numero di risposte"), ("Italiano (it)", "Numero di risposte"), (None, "Numero di risposte"),
     ("en", "Number of answers"), ("English (en)", "Number of answers")],
)  # fmt: skip
def test_chart_words_come_in_italian_or_english(lang, axis):
    assert chart_text(lang).answers_axis == axis


def test_charts_never_load_pyplot():
    code = (
        "import sys\n"
        "from datetime import datetime\n"
        "from analysis.summaries import summarise\n"
        "from analysis.summary_charts import render, time_chart\n"
        "from forms.spec_read import read_xform\n"
        "from tests.forms.conftest import xform_from_md\n"
        "spec = read_xform(xform_from_md('| survey |\\n| | type | name | label |\\n| | text | a | A |\\n'))\n"
        "render(time_chart(summarise(spec, [({}, datetime(2025, 1, 1))])))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )

    assert result.stdout.strip() == "False"
