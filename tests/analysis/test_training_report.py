"""The training impact report: its numbers are analysis.impact's, small groups are flagged, and the
charts, workbook and Word document carry the same headline."""

import io
import random
from datetime import datetime, timedelta

import openpyxl
import pytest
from docx import Document

from analysis.impact import (
    cronbach_alpha,
    holm,
    mcnemar,
    paired_effect_sizes,
    paired_ttest,
    reliable_change,
    wilcoxon_signed_rank,
)
from analysis.summary_charts import render
from analysis.training_charts import distribution_chart, forest_chart, slope_chart
from analysis.training_export import ReportMeta, headline_rows, report_docx, report_xlsx
from analysis.training_report import build_report
from analysis.training_scoring import (
    Instrument,
    KnowledgeItem,
    LikertItem,
    Questionnaire,
    pair_questionnaires,
)
from analysis.training_text import report_text

ITEMS = 6
INSTRUMENT = Instrument(
    knowledge=tuple(
        KnowledgeItem(f"k{i}", ("conoscenze", f"k{i}"), f"Domanda {i}", ("conoscenze", f"p_k{i}"))
        for i in range(ITEMS)
    ),
    likert=tuple(LikertItem(f"ae{i}", ("autoefficacia", f"ae{i}"), f"Item {i}") for i in range(4)),
)
T0 = datetime(2025, 3, 4, 9, 0)


def data(code, phase, years, rng, skill, confidence):
    knowledge = {}
    for i in range(ITEMS):
        right = rng.random() < skill
        knowledge[f"k{i}"] = "b" if right else "a"
        knowledge[f"p_k{i}"] = "1" if right else "0"
    efficacy = {f"ae{i}": str(max(1, min(5, round(confidence + rng.gauss(0, 0.7))))) for i in range(4)}
    return {
        "codice_corso": "C-1",
        "fase": phase,
        "codice_operatore": code,
        "anni_servizio": years,
        "conoscenze": knowledge,
        "autoefficacia": efficacy,
    }


def questionnaires(people=(12, 9, 3), dropouts=2, seed=7):
    """People in each tier (start up, miglioramento, aggiornamento); the first `dropouts` have no post."""
    rng = random.Random(seed)
    years_by_tier = (1, 6, 15)
    found, sid = [], 0
    for tier, count in enumerate(people):
        for n in range(count):
            code = f"T{tier}{n:04d}"
            skill, confidence = rng.uniform(0.2, 0.6), rng.uniform(1.8, 3.2)
            for phase, boost in (("pre", 0.0), ("post", 0.3)):
                if phase == "post" and tier == 0 and n < dropouts:
                    continue
                sid += 1
                answers = data(code, phase, years_by_tier[tier], rng, skill + boost, confidence + boost * 3)
                found.append(Questionnaire(sid, T0 + timedelta(minutes=sid), answers))
    return found


@pytest.fixture(scope="module")
def report():
    return build_report(pair_questionnaires(questionnaires(), INSTRUMENT), INSTRUMENT)


def scores(group, measure):
    return [p.pre.score(measure) for p in group.pairs], [p.post.score(measure) for p in group.pairs]


def test_groups_are_everyone_then_each_tier_with_its_attrition(report):
    keys = [(g.kind, g.key, g.n_pairs) for g in report.groups]
    attrition = report.overall.attrition

    assert keys == [
        ("all", "", 22),
        ("tier", "start_up", 10),
        ("tier", "miglioramento", 9),
        ("tier", "aggiornamento", 3),
    ]
    assert (attrition.pre, attrition.post, attrition.pre_only) == (24, 22, 2)
    assert attrition.share == pytest.approx(2 / 24)


@pytest.mark.parametrize("measure", ["knowledge", "efficacy"])
def test_the_headline_numbers_are_analysis_impact_s(report, measure):
    group = report.groups[1]
    pre, post = scores(group, measure)
    outcome = group.outcome(measure)

    t = paired_ttest(pre, post)
    effects = paired_effect_sizes(pre, post)
    assert outcome.n == 10
    assert outcome.pre_mean == pytest.approx(sum(pre) / 10)
    assert outcome.mean_diff == pytest.approx(t.mean_diff)
    assert outcome.t_p == t.p_value
    assert outcome.wilcoxon_p == wilcoxon_signed_rank(pre, post).p_value
    assert (outcome.d_z, outcome.d_z_low, outcome.d_z_high) == (
        effects.d_z,
        effects.d_z_ci_low,
        effects.d_z_ci_high,
    )


def test_the_alpha_is_the_scale_s_at_pre_test_in_the_group(report):
    group = report.groups[2]
    rows = [list(p.pre.efficacy_items) for p in group.pairs]

    assert group.outcome("efficacy").alpha_pre == cronbach_alpha(rows).alpha


def test_reliable_improvement_is_judged_against_all_pairs_pre_test(report):
    overall = report.overall
    pre, post = scores(overall, "efficacy")
    reference = report.references["efficacy"]
    expected = reliable_change(pre, post, reference.sd, reference.reliability).counts["improved"]

    assert reference.reliability == cronbach_alpha([list(p.pre.efficacy_items) for p in overall.pairs]).alpha
    assert overall.outcome("efficacy").improved == expected
    assert overall.outcome("efficacy").improved_share == pytest.approx(expected / 22)


def test_each_knowledge_item_gets_mcnemar_with_holm_over_the_group_s_items(report):
    group = report.overall
    expected = []
    for index in range(ITEMS):
        before = [p.pre.knowledge_items[index] for p in group.pairs]
        after = [p.post.knowledge_items[index] for p in group.pairs]
        expected.append(mcnemar(before, after).p_value)

    assert [i.p for i in group.items] == pytest.approx(expected)
    assert [i.p_holm for i in group.items] == pytest.approx(list(holm(expected)))


def test_a_group_under_five_pairs_is_flagged_but_still_computed(report):
    small = report.groups[3]

    assert small.n_pairs == 3 and not small.interpretable
    assert report.overall.interpretable
    assert small.outcome("knowledge").mean_diff is not None


def test_an_undefined_statistic_is_none_with_its_reason():
    same = [
        Questionnaire(
            i,
            T0 + timedelta(minutes=i),
            data(f"P{i // 2:05d}", ("pre", "post")[i % 2], 4, random.Random(0), 0.5, 3),
        )
        for i in range(6)
    ]  # every pre and post answer is drawn from the same seed: no change at all

    found = build_report(pair_questionnaires(same, INSTRUMENT), INSTRUMENT).overall.outcome("knowledge")

    assert found.t_p is None and found.d_z is None
    assert any("all equal" in p.english or "zero" in p.english for p in found.problems)


def test_an_edition_report_by_edition_adds_a_group_per_edition():
    more = questionnaires()
    for q in questionnaires(people=(3, 0, 0), dropouts=0, seed=9):
        more.append(Questionnaire(q.submission_id + 1000, q.submitted_at, {**q.data, "codice_corso": "C-2"}))

    found = build_report(pair_questionnaires(more, INSTRUMENT), INSTRUMENT, ["C-1", "C-2", "C-3"])

    assert [(g.kind, g.key, g.n_pairs) for g in found.groups][:4] == [
        ("all", "", 25),
        ("edition", "C-1", 22),
        ("edition", "C-2", 3),
        ("edition", "C-3", 0),
    ]


@pytest.mark.parametrize("draw", [slope_chart, distribution_chart, forest_chart])
def test_the_charts_render(report, draw):
    svg = render(draw(report, report_text("it")), "svg")
    png = render(draw(report, report_text("en")), "png")

    assert svg.startswith(b"<?xml") and png.startswith(b"\x89PNG")


def test_the_workbook_holds_the_headline_table_with_its_numbers(report):
    text = report_text("it")

    book = openpyxl.load_workbook(
        io.BytesIO(report_xlsx(report, ReportMeta("Corso", ("Edizione C-1",)), text))
    )

    sheet = book["Sintesi"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(list(text.headline_columns))
    first = rows[header + 1]
    assert rows[0][0] == "Corso"
    assert first[:3] == ["Tutti i partecipanti", text.measures["knowledge"], 22]
    assert first[7] == report.overall.outcome("knowledge").t_p
    assert any(
        r[0] == text.tiers["aggiornamento"] and r[-1] == "non interpretabile (meno di 5 coppie)" for r in rows
    )
    assert set(book.sheetnames) == {"Sintesi", "Abbandoni", "Domande"}


def test_report_text_formula_like_labels_stay_text_in_the_workbook(report):
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report, ReportMeta('=HYPERLINK("x")'))))

    assert book["Sintesi"]["A1"].data_type == "s"


def test_the_word_document_holds_the_headline_table_and_the_charts(report):
    text = report_text("en")
    charts = {"forest": render(forest_chart(report, text), "png")}

    document = Document(io.BytesIO(report_docx(report, ReportMeta("Course"), charts, text)))

    headline = document.tables[0]
    cells = [[c.text for c in row.cells] for row in headline.rows]
    assert cells[0][:3] == ["Group", "Measure", "Pairs"]
    assert cells[1][:3] == ["All participants", "Knowledge (right answers)", "22"]
    assert len(cells) == 1 + len(headline_rows(report, text))
    assert len(document.inline_shapes) == 1
