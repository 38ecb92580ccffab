"""Charts of protected statistics: hidden cells drawn as n.d. gaps with a note, the same bytes each time."""

import math
import re

import pytest
from defusedxml.ElementTree import fromstring

from analysis.disclosure import protect, rates
from analysis.stat_charts import period_trend, population_pyramid, render, stat_text, territory_bars
from analysis.tables import Dimension, Table

SVG = "{http://www.w3.org/2000/svg}svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
AMBITI = {"BA-1": "Ambito di Bari", "LE-1": "Ambito di Lecce", "TA-1": "Ambito di Taranto"}


def comments(svg: bytes) -> list[str]:
    """The texts of an SVG whose glyphs are drawn as paths: matplotlib names each in a comment."""
    return [text.strip() for text in re.findall(r"<!-- (.*?) -->", svg.decode(), flags=re.DOTALL)]


@pytest.fixture(scope="module")
def by_ambito():
    ambiti = Dimension.flat("territorio", AMBITI)
    gender = Dimension.flat("gender", ["F", "M"])
    figures = {("BA-1", "F"): 40, ("BA-1", "M"): 38, ("LE-1", "F"): 2, ("LE-1", "M"): 25}
    figures |= {("TA-1", "F"): 12, ("TA-1", "M"): 9}
    return protect(Table.from_leaves([ambiti, gender], figures))


@pytest.fixture(scope="module")
def by_period_and_age():
    periods = Dimension.flat("periodo", ["2024-T1", "2024-T2", "2024-T3"])
    gender = Dimension.flat("gender", ["F", "M"])
    ages = Dimension.flat("fascia_eta", ["0-2", "3-5", "6-10", "11-13", "14-17"])
    figures = {}
    for p, period in enumerate(periods.labels[1:]):
        for g, sex in enumerate("FM"):
            for a, band in enumerate(ages.labels[1:]):
                figures[period, sex, band] = 1 if (p, g, a) == (1, 0, 4) else 10 + p + g + a
    return protect(Table.from_leaves([periods, gender, ages], figures))


def test_bars_by_territory_show_names_values_and_hidden_cells(by_ambito):
    svg = render(
        territory_bars(by_ambito, "Minori in carico per Ambito", fixed={"gender": "F"}, names=AMBITI)
    )

    assert fromstring(svg).tag == SVG
    texts = comments(svg)
    assert {"Minori in carico per Ambito", "Ambito di Bari", "40", "n.d.", "Numero"} <= set(texts)
    assert any(text.startswith("n.d.: dato non diffuso per il segreto statistico") for text in texts)


def test_hidden_bars_are_gaps(by_ambito):
    figure = territory_bars(by_ambito, "F", fixed={"gender": "F"})

    widths = [bar.get_width() for bar in figure.axes[0].patches]

    assert widths[1] == 0
    assert widths[0] == 40


def test_a_chart_with_nothing_hidden_has_no_note(by_ambito):
    texts = comments(render(territory_bars(by_ambito, "Totale per Ambito")))

    assert not any(text.startswith("n.d.:") for text in texts)


def test_rates_by_territory_use_the_rate_axis_and_decimal_comma(by_ambito):
    population = Table.from_leaves(
        [by_ambito.dimensions[0]], {("BA-1",): 9000, ("LE-1",): 6000, ("TA-1",): 7000}
    )

    texts = comments(render(territory_bars(rates(by_ambito, population), "Tasso")))

    assert "Tasso per 1.000" in texts
    assert "8,7" in texts


def test_a_trend_breaks_its_line_where_a_period_is_hidden(by_period_and_age):
    figure = period_trend(by_period_and_age, "Andamento", series="gender", fixed={"fascia_eta": "14-17"})

    girls = figure.axes[0].lines[0].get_ydata()

    assert math.isnan(girls[1])
    assert not all(math.isnan(value) for value in girls)
    assert {"2024-T1", "2024-T2", "F", "M", "Periodo"} <= set(comments(render(figure)))


def test_a_population_pyramid_puts_one_gender_on_each_side(by_period_and_age):
    figure = population_pyramid(
        by_period_and_age, "Piramide", fixed={"periodo": "2024-T2"}, text=stat_text("en")
    )

    bars = figure.axes[0].patches
    texts = comments(render(figure))

    assert all(bar.get_width() <= 0 for bar in bars[:5])
    assert all(bar.get_width() >= 0 for bar in bars[5:])
    assert bars[9].get_width() == 0  # F 14-17 in T2 is hidden
    assert {"0-2", "14-17", "Age band", "n.d."} <= set(texts)


def test_the_same_table_gives_the_same_svg_bytes_and_a_png(by_ambito):
    first = render(territory_bars(by_ambito, "Stesso"))

    assert first == render(territory_bars(by_ambito, "Stesso"))
    assert render(territory_bars(by_ambito, "Stesso"), "png").startswith(PNG_SIGNATURE)
