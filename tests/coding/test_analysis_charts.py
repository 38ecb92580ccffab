"""Charts of the coding analysis: PNG bars of frequencies and a co-occurrence heatmap."""

from coding.charts import cooccurrence_heatmap, frequency_bars, png


def test_frequency_bars_draw_one_bar_per_code_with_its_count():
    figure = frequency_bars(
        ["Criticità", "Criticità / Personale", "Risorse"], [3, 2, 3], "Codici", "Segmenti"
    )

    axes = figure.axes[0]
    assert [round(bar.get_width()) for bar in axes.patches] == [3, 2, 3]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["Criticità", "Criticità / Personale", "Risorse"]
    assert png(figure).startswith(b"\x89PNG")


def test_the_heatmap_writes_each_count_in_its_cell():
    figure = cooccurrence_heatmap(["A", "B"], [[3, 1], [1, 2]], "Co-occorrenze")

    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == ["3", "1", "1", "2"]
    assert png(figure).startswith(b"\x89PNG")


def test_charts_without_codes_still_render():
    assert png(frequency_bars([], [], "Codici", "Segmenti")).startswith(b"\x89PNG")
    assert png(cooccurrence_heatmap([], [], "Co-occorrenze")).startswith(b"\x89PNG")
