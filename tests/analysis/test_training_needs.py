"""Training needs counted by service type or territory, with small counts from forms suppressed."""

import pytest

from analysis.training_needs import UNKNOWN, NeedMention, needs_table

MENTIONS = [
    NeedMention("Tutela minori", "CSF", "Ambito di Lecce", "non sappiamo come segnalare"),
    NeedMention("Tutela minori", "CSF", "Ambito di Bari", "serve formazione sul tribunale"),
    NeedMention("Tutela minori", "CAP", "Ambito di Bari"),
    NeedMention("Mediazione culturale", "CSF", "Ambito di Bari", "con le famiglie straniere"),
    NeedMention("Mediazione culturale", "", "Ambito di Bari"),
]


def test_counts_by_service_type_most_mentioned_first():
    table = needs_table(MENTIONS, "service_type")
    assert table.needs == ("Tutela minori", "Mediazione culturale")
    assert table.groups == ("CAP", "CSF", UNKNOWN)
    assert table.count("Tutela minori", "CSF") == 2
    assert table.count("Tutela minori", UNKNOWN) == 0
    assert table.count("Mediazione culturale", UNKNOWN) == 1
    assert table.totals == {"Tutela minori": 3, "Mediazione culturale": 2}
    assert table.quotes["Tutela minori"] == ("non sappiamo come segnalare", "serve formazione sul tribunale")


def test_counts_by_territory_with_small_counts_suppressed():
    table = needs_table(MENTIONS, "territory", threshold=3)
    assert table.count("Tutela minori", "Ambito di Bari") is None  # 2 < 3
    assert table.count("Mediazione culturale", "Ambito di Bari") is None
    assert table.totals["Tutela minori"] == 3
    assert table.totals["Mediazione culturale"] is None


def test_quotes_are_capped_and_grouping_checked():
    many = [NeedMention("Rete", quote=f"frase {i}") for i in range(5)]
    assert len(needs_table(many, "territory", quotes=2).quotes["Rete"]) == 2
    with pytest.raises(ValueError):
        needs_table(many, "gender")
