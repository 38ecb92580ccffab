"""The progress report from known records: figures per activity, action and total, the as-of rule, the
protection of voucher figures, the timeline, and the XLSX, DOCX and charts made from them."""

import io
from datetime import date, datetime

import openpyxl
import pytest
from docx import Document

from analysis.disclosure import recoverable_cells
from analysis.programme import Span
from analysis.programme_charts import participants_chart, progress_chart, timeline_chart
from analysis.programme_export import ReportMeta, headline_table, report_docx, report_xlsx, voucher_rows
from analysis.programme_progress import participant_rows, progress_report
from analysis.programme_records import (
    ActivityLine,
    EventRecord,
    ParticipationRecord,
    Period,
    SpendingRecord,
    TargetRecord,
    TraineeRecord,
    TranscriptRecord,
    VoucherRecord,
    VoucherTypeLine,
)
from analysis.programme_text import programme_text
from analysis.programme_timeline import TimelineActivity, build_timeline
from analysis.programme_vouchers import Change
from analysis.summary_charts import render

ACTIVITIES = [
    ActivityLine(1, "Azione 3", "Animazione", "3.2", "Eventi"),
    ActivityLine(2, "Azione 3", "Animazione", "3.3", "Tavoli"),
    ActivityLine(3, "Azione 4", "Disseminazione", "4.3", "Laboratori"),
]
PLANNED = datetime(2025, 1, 10, 9)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def period(as_of: str = "2025-12-31", start: str = "2025-01-01", end: str = "2025-12-31") -> Period:
    day = date.fromisoformat(as_of)
    return Period(
        date.fromisoformat(start), date.fromisoformat(end), day, datetime(day.year, day.month, day.day, 23)
    )


TARGETS = [
    TargetRecord(1, "events", 4, PLANNED, None),
    TargetRecord(1, "participants", 100, PLANNED, at("2025-06-01T10:00")),  # raised to 120 in June
    TargetRecord(1, "participants", 120, at("2025-06-01T10:00"), None),
    TargetRecord(2, "technical_table", 2, PLANNED, None),
    TargetRecord(3, "vouchers", 10, PLANNED, None),
]


def people(*cells, recorded="2025-03-02T10:00", replaced=None):
    return tuple(
        ParticipationRecord(c, g, n, at(recorded), at(replaced) if replaced else None) for c, g, n in cells
    )


EVENTS = [
    # A focus group whose count was corrected in April: 9 people before, 11 after.
    EventRecord(
        10, 1, "focus_group", "FG Lecce", date(2025, 3, 1), "Lecce", at("2025-03-02T10:00"), None,
        people(("families", "female", 6), ("families", "male", 3), replaced="2025-04-10T10:00")
        + people(("families", "female", 7), ("families", "male", 4), recorded="2025-04-10T10:00"),
        (TranscriptRecord(501, at("2025-03-20T10:00"), at("2025-03-25T10:00")),
         TranscriptRecord(502, at("2025-03-20T10:00"), None)),  # linked, never coded
    ),
    EventRecord(
        11, 1, "seminar", "Seminario Bari", date(2025, 9, 10), "Bari", at("2025-09-11T10:00"), None,
        people(("public_services", "female", 20), ("schools", "male", 5), recorded="2025-09-11T10:00"),
    ),
    EventRecord(  # deleted in November: reports as of October still count it
        12, 2, "technical_table", "Tavolo", date(2025, 5, 5), "Regione", at("2025-05-06T10:00"), at("2025-11-02T10:00"),
        people(("justice", "female", 2), recorded="2025-05-06T10:00"),
    ),
    EventRecord(  # held in 2024: outside the period
        13, 2, "technical_table", "Tavolo 2024", date(2024, 12, 1), "Regione", at("2024-12-02T10:00"), None,
        people(("justice", "male", 3), recorded="2024-12-02T10:00"),
    ),
]  # fmt: skip
TRAINEES = [
    TraineeRecord(3, date(2025, 3, 4), date(2025, 3, 25), at("2025-02-20T10:00"), True),
    TraineeRecord(3, date(2025, 3, 4), date(2025, 3, 25), at("2025-02-21T10:00"), False),
    TraineeRecord(3, date(2026, 1, 10), None, at("2025-12-01T10:00"), False),  # edition starts next year
]


def voucher(changes, spendings=(), activity_id=3, type_name="Base", territory=("Bari", "Ambito di Bari")):
    return VoucherRecord(activity_id, type_name, territory, None, tuple(changes), tuple(spendings))


def spent_voucher(assigned: str, spent: str, territory=("Bari", "Ambito di Bari"), type_name="Base"):
    a, s = date.fromisoformat(assigned), date.fromisoformat(spent)
    return voucher(
        [Change("assigned", a, at(f"{assigned}T10:00")), Change("spent", s, at(f"{spent}T10:00"))],
        [SpendingRecord(s, 50_000, at(f"{spent}T10:00"))],
        territory=territory,
        type_name=type_name,
    )


VOUCHERS = [
    *(spent_voucher("2025-02-01", f"2025-0{m}-10") for m in (3, 4, 5, 6, 7, 8)),
    spent_voucher("2025-02-01", "2025-11-15", territory=("Lecce", "Ambito di Lecce")),
    voucher(
        [Change("assigned", date(2025, 10, 1), at("2025-10-01T10:00"))],
        territory=("Lecce", "Ambito di Lecce"),
    ),
]


def report(as_of="2025-12-31", threshold=1, **kwargs):
    return progress_report(
        ACTIVITIES,
        TARGETS,
        period(as_of),
        events=EVENTS,
        trainees=TRAINEES,
        forms={1: 7},
        vouchers=VOUCHERS,
        voucher_types=[VoucherTypeLine("Base", 3), VoucherTypeLine("Medio", None)],
        voucher_threshold=threshold,
        **kwargs,
    )


def figures(found, code, metric):
    row = next(r for r in found.rows if (r.code or r.level) == code)
    f = row.figures[metric]
    return f.achieved, f.target


def test_each_activity_counts_its_events_people_transcripts_trainees_forms_and_vouchers():
    found = report()

    assert figures(found, "3.2", "events") == (2, 4)
    assert figures(found, "3.2", "focus_group") == (1, None)
    assert figures(found, "3.2", "participants") == (36, 120)  # 11 after the correction, and 25
    assert figures(found, "3.2", "transcripts") == (1, None)
    assert figures(found, "3.2", "forms") == (7, None)
    assert figures(found, "3.3", "technical_table") == (0, 2)  # deleted before the as-of date
    assert figures(found, "4.3", "trainees") == (2, None)
    assert figures(found, "4.3", "trained") == (1, None)
    assert figures(found, "4.3", "vouchers") == (7, 10)


def test_actions_and_the_total_add_up_their_activities_and_targets():
    found = report()

    assert [r.level for r in found.rows] == ["activity", "activity", "action", "activity", "action", "total"]
    assert figures(found, "action", "events") == (2, 4)
    assert figures(found, "total", "participants") == (36, 120)
    assert figures(found, "total", "vouchers") == (7, 10)
    assert found.total.figures["vouchers"].share == 70


def test_participants_by_category_and_gender_with_totals():
    rows = participant_rows(report().participants)

    assert rows == [("public_services", [20, 0, 0, 20]), ("families", [7, 4, 0, 11]), ("schools", [0, 5, 0, 5]),
                    ("", [27, 9, 0, 36])]  # fmt: skip


def test_a_report_as_of_an_earlier_date_counts_only_what_was_recorded_by_then():
    earlier = report("2025-04-30")

    assert figures(earlier, "3.2", "participants") == (11, 100)  # the correction of 10 April, the old target
    assert figures(earlier, "3.2", "events") == (1, 4)
    assert figures(earlier, "4.3", "vouchers") == (2, 10)
    assert figures(earlier, "4.3", "trained") == (1, None)


def test_a_deleted_event_still_counts_as_of_a_date_before_its_deletion():
    assert figures(report("2025-10-31"), "3.3", "technical_table") == (1, 2)


def test_the_same_data_as_of_the_same_date_give_the_same_fingerprint():
    assert report("2025-10-31").fingerprint == report("2025-10-31").fingerprint
    assert report("2025-10-31").fingerprint != report("2025-12-31").fingerprint


def test_outside_the_owning_scope_small_voucher_counts_are_hidden_with_what_would_give_them_back():
    found = report(threshold=5)

    spent = found.vouchers.spent
    assert spent.cell("Base", "Ambito di Lecce").value is None  # 1 household
    assert spent.cell("Base", "Ambito di Bari").value == 6
    # 7 in all, less Bari's 6, would give Lecce's 1 back: the total is hidden, in the headline too
    assert spent.cell("Totale", "Totale").value is None
    assert figures(found, "4.3", "vouchers") == (None, 10)
    assert figures(found, "total", "vouchers") == (None, 10)
    assert found.total.figures["vouchers"].status == "secondary"
    assert recoverable_cells(spent) == set()
    assert found.vouchers.amount.cell("Base", "Ambito di Lecce").value is None


def test_in_the_owning_scope_voucher_figures_are_exact():
    found = report(threshold=1)

    assert figures(found, "4.3", "vouchers") == (7, 10)
    assert found.vouchers.spent.cell("Base", "Ambito di Lecce").value == 1


def test_small_counts_per_activity_are_hidden_outside_the_owning_scope():
    vouchers = [spent_voucher("2025-02-01", "2025-03-10")]

    found = progress_report(ACTIVITIES, [], period(), vouchers=vouchers, voucher_threshold=5)

    assert figures(found, "4.3", "vouchers") == (None, None)
    assert figures(found, "total", "vouchers") == (None, None)
    assert figures(found, "3.2", "vouchers") == (0, None)  # true zeros are published


def test_exact_voucher_tables_show_every_cell():
    rows = voucher_rows(report().vouchers, programme_text("en"))

    assert ["Base", "Ambito di Lecce", 2, 1, 500.0] in rows
    assert ["Total", "Total", 8, 7, 3500.0] in rows
    assert ["Medio", "Bari", 0, 0, 0.0] in rows
    assert not [r for r in rows if "·" in r[0]]  # action and activity subtotals stay in the headline


def test_the_timeline_marks_planned_and_actual_months_and_how_each_activity_stands():
    activities = [
        TimelineActivity("A1", "1.2", "Analisi", Span(date(2025, 1, 1), date(2025, 3, 31)), Span(date(2025, 2, 1), None)),
        TimelineActivity("A1", "1.3", "Mappa", Span(date(2025, 2, 1), date(2025, 2, 28)), Span(date(2025, 2, 5), date(2025, 3, 10))),
        TimelineActivity("A2", "2.1", "Corsi", Span(date(2025, 3, 1), None), Span(None, None)),
        TimelineActivity("A2", "2.2", "Altro", Span(None, None), Span(None, None)),
    ]  # fmt: skip

    found = build_timeline(activities, date(2025, 4, 15))

    assert [m.isoformat() for m in found.months] == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]
    first = found.rows[0]
    assert [(c.planned, c.actual) for c in first.cells] == [
        (True, False),
        (True, True),
        (True, True),
        (False, True),
    ]
    assert [r.status for r in found.rows] == ["overdue", "ended", "late_start", "no_dates"]
    assert (found.rows[1].start_delay, found.rows[1].end_delay) == (4, 10)


def test_the_workbook_and_the_document_hold_the_headline_figures():
    found = report()
    timeline = build_timeline(
        [TimelineActivity("Azione 3", "3.2", "Eventi", Span(None, None), Span(None, None))],
        date(2025, 12, 31),
    )
    meta = ReportMeta("Avanzamento", ("Progetto: HUMUS",))

    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(found, meta, timeline, programme_text("it"))))
    charts = {
        "progress": render(progress_chart(found), "png"),
        "participants": render(participants_chart(found), "png"),
    }
    document = Document(io.BytesIO(report_docx(found, meta, timeline, charts, programme_text("it"))))

    assert book.sheetnames == [
        "Sintesi",
        "Eventi per tipo",
        "Partecipanti",
        "Eventi",
        "Voucher",
        "Cronoprogramma",
    ]
    cells = [[c.value for c in row] for row in book["Sintesi"].iter_rows()]
    assert cells[4][:6] == ["Azione 3", "3.2", "Eventi", 2, 4, 50.0]
    assert any(row[0] and "Impronta delle cifre: " + found.fingerprint in str(row[0]) for row in cells)
    table = document.tables[0]
    assert [c.text for c in table.rows[1].cells][:5] == [
        "Azione 3",
        "3.2",
        "Eventi",
        "2 / 4 (50%)",
        "36 / 120 (30%)",
    ]
    assert len(document.inline_shapes) == 2


def test_hidden_figures_read_nd_in_the_headline():
    columns, rows = headline_table(
        report(
            threshold=5,
        ),
        programme_text("it"),
    )

    assert columns[3] == "Eventi svolti"
    assert rows[-1][-1] == "n.d. / 10"
    hidden = progress_report(ACTIVITIES, [], period(), vouchers=VOUCHERS[:1], voucher_threshold=5)
    assert headline_table(hidden, programme_text("it"))[1][-1][-1] == "n.d."


def test_formula_like_titles_reach_the_workbook_as_text():
    events = [
        EventRecord(
            20, 1, "other", '=HYPERLINK("http://x")', date(2025, 5, 1), "", at("2025-05-02T10:00"), None
        )
    ]
    found = progress_report(ACTIVITIES, [], period(), events=events)
    timeline = build_timeline([], date(2025, 12, 31))

    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(found, ReportMeta("T"), timeline)))

    titles = [row[2].value for row in book["Eventi"].iter_rows(min_row=4) if row[2].value]
    assert titles[-1].startswith("=HYPERLINK") and book["Eventi"].cell(4, 3).data_type == "s"


@pytest.mark.parametrize("draw", [progress_chart, participants_chart])
def test_charts_render_even_with_nothing_to_show(draw):
    empty = progress_report(ACTIVITIES, [], period())

    assert render(draw(empty), "png").startswith(b"\x89PNG")


def test_the_timeline_chart_renders():
    timeline = build_timeline(
        [
            TimelineActivity(
                "A", "1.1", "X", Span(date(2025, 1, 1), date(2025, 6, 30)), Span(date(2025, 2, 1), None)
            )
        ],
        date(2025, 4, 1),
    )

    assert render(timeline_chart(timeline), "png").startswith(b"\x89PNG")
