"""Export tables: the layout of one or more form versions, and the rows made from submission records."""

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from forms.spec import FormSpec
from forms.spec_read import read_xform
from forms.tables import SubmissionRecord, build_layout
from forms.tables_plan import ExportOptions, ExportPlan
from tests.forms.conftest import xform_from_md
from tests.forms.export_files import records

FAMIGLIE = """
| survey |
|        | type                     | name        | label::Italiano (it) | label::English (en) |
|        | text                     | nome        | Nome                 | Name                |
|        | select_one sn            | ok          | Va bene?             | All right?          |
|        | select_multiple attivita | attivita    | Attività             | Activities          |
|        | geopoint                 | dove        | Dove                 | Where               |
|        | note                     | nota        | Grazie               | Thanks              |
|        | begin group              | famiglia    | Famiglia             | Family              |
|        | integer                  | membri      | Membri               | Members             |
|        | begin repeat             | figli       | Figli                | Children            |
|        | text                     | nome_figlio | Nome                 | Name                |
|        | begin group              | scuola      | Scuola               | School              |
|        | text                     | classe      | Classe               | Class               |
|        | end group                |             |                      |                     |
|        | begin repeat             | visite      | Visite               | Visits              |
|        | date                     | giorno      | Giorno               | Day                 |
|        | end repeat               |             |                      |                     |
|        | end repeat               |             |                      |                     |
|        | end group                |             |                      |                     |
|        | begin repeat             | operatori   | Operatori            | Workers             |
|        | text                     | operatore   | Operatore            | Worker              |
|        | end repeat               |             |                      |                     |
| choices |
|         | list_name | name    | label::Italiano (it) | label::English (en) |
|         | sn        | si      | Sì                   | Yes                 |
|         | sn        | no      | No                   | No                  |
|         | attivita  | sport   | Sport                | Sport               |
|         | attivita  | musica  | Musica               | Music               |
|         | attivita  | compiti | Compiti              | Homework            |
| settings |
|          | form_id  | version | default_language |
|          | famiglie | 1       | Italiano (it)    |
"""


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


@pytest.fixture(scope="module")
def famiglie() -> FormSpec:
    return spec_of(FAMIGLIE)


def names(plan: ExportPlan, table: int = 0) -> list[str]:
    return [column.name for column in plan.tables[table].columns]


def rows_by_table(plan: ExportPlan, rows: list[SubmissionRecord]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {table.name: [] for table in plan.tables}
    for index, row in plan.rows(rows):
        found[plan.tables[index].name].append(dict(zip(names(plan, index), row, strict=True)))
    return found


def test_main_table_has_group_paths_in_form_order_between_central_meta_columns(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())

    assert names(plan) == [
        "SubmissionDate", "nome", "ok", "attivita", "dove-Latitude", "dove-Longitude", "dove-Altitude",
        "dove-Accuracy", "famiglia-membri", "meta-instanceID", "KEY", "SubmitterName", "OrgUnit",
        "ReviewState", "FormVersion",
    ]  # fmt: skip


def test_each_repeat_has_its_own_table_depth_first_named_after_form_and_repeat(famiglie):
    layout = build_layout([famiglie])

    tables = [(table.name, table.path, table.parent) for table in layout.tables]

    assert tables == [
        ("famiglie", (), None),
        ("famiglie-figli", ("famiglia", "figli"), 0),
        ("famiglie-visite", ("visite",), 1),
        ("famiglie-operatori", ("operatori",), 0),
    ]


def test_repeat_columns_are_paths_inside_the_repeat_then_parent_key_and_key(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())

    assert names(plan, 1) == ["nome_figlio", "scuola-classe", "PARENT_KEY", "KEY"]
    assert names(plan, 2) == ["giorno", "PARENT_KEY", "KEY"]


def test_keys_chain_instance_id_groups_and_repeat_positions(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())
    data = {
        "famiglia": {
            "figli": [
                {"nome_figlio": "Giulia", "visite": [{"giorno": "2025-01-10"}, {"giorno": "2025-02-07"}]},
                {"nome_figlio": "Marco", "visite": [{"giorno": "2025-03-01"}]},
            ]
        },
        "operatori": [{"operatore": "Rita"}],
    }

    found = rows_by_table(plan, records(famiglie, [data]))

    figli = [(row["nome_figlio"], row["PARENT_KEY"], row["KEY"]) for row in found["famiglie-figli"]]
    visite = [(row["giorno"], row["PARENT_KEY"], row["KEY"]) for row in found["famiglie-visite"]]
    assert figli == [
        ("Giulia", "uuid:1", "uuid:1/famiglia/figli[1]"),
        ("Marco", "uuid:1", "uuid:1/famiglia/figli[2]"),
    ]
    assert visite == [
        ("2025-01-10", "uuid:1/famiglia/figli[1]", "uuid:1/famiglia/figli[1]/visite[1]"),
        ("2025-02-07", "uuid:1/famiglia/figli[1]", "uuid:1/famiglia/figli[1]/visite[2]"),
        ("2025-03-01", "uuid:1/famiglia/figli[2]", "uuid:1/famiglia/figli[2]/visite[1]"),
    ]
    assert found["famiglie-operatori"] == [
        {"operatore": "Rita", "PARENT_KEY": "uuid:1", "KEY": "uuid:1/operatori[1]"}
    ]


def test_a_record_s_rows_come_right_after_its_main_row(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())
    datas = [{"operatori": [{"operatore": "Rita"}]}, {"operatori": [{"operatore": "Ugo"}, {}]}]

    order = [index for index, _ in plan.rows(records(famiglie, datas))]

    assert order == [0, 3, 0, 3, 3]


def test_rows_are_made_lazily_one_record_at_a_time(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())
    endless = (SubmissionRecord(f"uuid:{n}", {"nome": str(n)}) for n in itertools.count())

    first = list(itertools.islice(plan.rows(endless), 3))

    assert [row[1] for _, row in first] == ["0", "1", "2"]


def test_meta_columns_come_from_the_record(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())
    rome = timezone(timedelta(hours=1))
    record = SubmissionRecord(
        "uuid:a", {}, datetime(2025, 3, 14, 10, 30, tzinfo=rome), "Ada", "ATS", "approved", "1"
    )

    (_, row), *_ = plan.rows([record])

    meta = dict(zip(names(plan), row, strict=True))
    assert meta["SubmissionDate"] == datetime(2025, 3, 14, 9, 30)  # naive UTC
    assert [meta[n] for n in ("meta-instanceID", "KEY", "SubmitterName", "OrgUnit", "ReviewState")] == [
        "uuid:a", "uuid:a", "Ada", "ATS", "approved",
    ]  # fmt: skip
    assert meta["FormVersion"] == "1"


def test_values_keep_their_json_types_and_geopoints_split_into_numbers(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())
    data = {"famiglia": {"membri": -3}, "dove": "41.1171 16.8719 12.0 5.0", "attivita": ["sport", "compiti"]}

    row = rows_by_table(plan, records(famiglie, [data]))["famiglie"][0]

    assert row["famiglia-membri"] == -3
    assert [row[f"dove-{part}"] for part in ("Latitude", "Longitude", "Altitude", "Accuracy")] == [
        41.1171, 16.8719, 12.0, 5.0,
    ]  # fmt: skip
    assert row["attivita"] == "sport compiti"
    assert row["nome"] is None


@pytest.mark.parametrize(
    ("language", "ok", "attivita"),
    [
        (None, "Sì", "Sport; Compiti"),
        ("Italiano (it)", "Sì", "Sport; Compiti"),
        ("en", "Yes", "Sport; Homework"),
        ("English (en)", "Yes", "Sport; Homework"),
        ("de", "Sì", "Sport; Compiti"),
    ],
)
def test_labels_replace_codes_in_the_chosen_language(famiglie, language, ok, attivita):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions(labels=True, language=language))
    datas = [{"ok": "si", "attivita": ["sport", "compiti"]}]

    row = rows_by_table(plan, records(famiglie, datas))["famiglie"][0]

    assert (row["ok"], row["attivita"]) == (ok, attivita)


def test_column_and_value_labels_follow_the_language(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions(language="en"))

    columns = {column.name: column for column in plan.tables[0].columns}

    assert columns["famiglia-membri"].label == "Members"
    assert columns["ok"].value_labels == (("si", "Yes"), ("no", "No"))
    assert columns["dove-Latitude"].label == "Where (Latitude)"
    assert columns["KEY"].label == "KEY"


def test_split_multiple_adds_a_zero_one_column_per_choice_after_the_question(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions(split_multiple=True))
    datas = [{"attivita": ["sport", "compiti"]}, {}]

    rows = rows_by_table(plan, records(famiglie, datas))["famiglie"]

    assert names(plan)[3:7] == ["attivita", "attivita/sport", "attivita/musica", "attivita/compiti"]
    assert [[row[name] for name in names(plan)[3:7]] for row in rows] == [
        ["sport compiti", 1, 0, 1],
        [None, None, None, None],
    ]


def test_split_columns_are_labelled_with_question_and_choice(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions(split_multiple=True, language="en"))

    labels = [(column.name, column.label, column.value_type) for column in plan.tables[0].columns[4:6]]

    assert labels == [
        ("attivita/sport", "Activities: Sport", "flag"),
        ("attivita/musica", "Activities: Music", "flag"),
    ]


def test_a_value_outside_the_choices_is_kept_in_the_question_column(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions(split_multiple=True, labels=True))
    record = SubmissionRecord("uuid:x", {"ok": "forse", "attivita": ["sport", "teatro"]})

    (_, row), *_ = plan.rows([record])

    found = dict(zip(names(plan), row, strict=True))
    assert (found["ok"], found["attivita"], found["attivita/sport"]) == ("forse", "Sport; teatro", 1)


V1 = """
| survey |
|        | type        | name    | label   |
|        | text        | nome    | Nome    |
|        | integer     | eta     | Età     |
|        | text        | vecchio | Vecchio |
|        | begin repeat | figli  | Figli   |
|        | text        | nome_figlio | Nome |
|        | end repeat  |         |         |
| settings |
|          | form_id | version |
|          | visite  | 1       |
"""
V2 = """
| survey |
|        | type        | name     | label    |
|        | text        | nome     | Nome e cognome |
|        | text        | telefono | Telefono |
|        | text        | eta      | Età (in lettere) |
|        | begin repeat | figli   | Figli    |
|        | text        | nome_figlio | Nome  |
|        | integer     | anni     | Anni     |
|        | end repeat  |          |          |
| settings |
|          | form_id | version |
|          | visite  | 2       |
"""


@pytest.fixture(scope="module")
def versions() -> list[FormSpec]:
    return [spec_of(V1), spec_of(V2)]


def test_versions_merge_by_field_name_in_the_newest_order(versions):
    plan = ExportPlan(build_layout(versions), ExportOptions())

    assert names(plan)[1:5] == ["nome", "telefono", "eta", "vecchio"]
    assert names(plan, 1) == ["nome_figlio", "anni", "PARENT_KEY", "KEY"]


def test_a_field_missing_from_a_version_is_empty_in_its_rows(versions):
    plan = ExportPlan(build_layout(versions), ExportOptions())
    rows = records(versions[0], [{"nome": "Ada", "vecchio": "sì", "figli": [{"nome_figlio": "Bea"}]}])
    rows += records(versions[1], [{"nome": "Ugo", "telefono": "080 1234", "figli": [{"anni": 4}]}])

    found = rows_by_table(plan, rows)

    main = [(row["nome"], row["telefono"], row["vecchio"], row["FormVersion"]) for row in found["visite"]]
    assert main == [("Ada", None, "sì", "1"), ("Ugo", "080 1234", None, "2")]
    assert [(row["nome_figlio"], row["anni"]) for row in found["visite-figli"]] == [("Bea", None), (None, 4)]


def test_a_field_whose_type_changed_keeps_one_text_column(versions):
    plan = ExportPlan(build_layout(versions), ExportOptions())
    rows = records(versions[0], [{"eta": 7}]) + records(versions[1], [{"eta": "sette"}])

    found = [row["eta"] for row in rows_by_table(plan, rows)["visite"]]

    column = plan.layout.tables[0].columns[3]
    assert (column.name, column.value_type, column.mixed) == ("eta", "string", True)
    assert found == [7, "sette"]  # the number stays a number


def test_the_newest_version_gives_the_labels(versions):
    plan = ExportPlan(build_layout(versions), ExportOptions())

    labels = {column.name: column.label for column in plan.tables[0].columns}

    assert (labels["nome"], labels["vecchio"]) == ("Nome e cognome", "Vecchio")


def test_choices_of_all_versions_are_merged_newest_first():
    old = spec_of(FAMIGLIE)
    new = spec_of(FAMIGLIE.replace("| attivita  | musica  | Musica  ", "| attivita  | teatro  | Teatro  "))

    plan = ExportPlan(build_layout([old, new]), ExportOptions(split_multiple=True))

    codes = [code for code, _ in plan.tables[0].columns[3].value_labels]
    assert codes == ["sport", "teatro", "compiti", "musica"]


def test_a_group_that_became_a_repeat_is_read_as_a_repeat_of_one():
    group = spec_of(V1.replace("begin repeat", "begin group").replace("end repeat", "end group"))
    plan = ExportPlan(build_layout([group, spec_of(V1)]), ExportOptions())

    found = rows_by_table(plan, records(group, [{"figli": {"nome_figlio": "Bea"}}]))

    assert found["visite-figli"] == [{"nome_figlio": "Bea", "PARENT_KEY": "uuid:1", "KEY": "uuid:1/figli[1]"}]


def test_a_field_that_became_a_group_keeps_plain_values_only():
    field = spec_of(V1)
    group = spec_of(
        V1.replace(
            "| text        | vecchio | Vecchio |",
            "| begin group | vecchio | Vecchio |\n| | text | dentro | Dentro |\n| | end group | | |",
        )
    )
    plan = ExportPlan(build_layout([field, group]), ExportOptions())
    rows = records(field, [{"vecchio": "sì"}]) + records(group, [{"vecchio": {"dentro": "no"}}])

    found = [(row["vecchio"], row["vecchio-dentro"]) for row in rows_by_table(plan, rows)["visite"]]

    assert found == [("sì", None), (None, "no")]


CLASH = """
| survey |
|        | type         | name | label    |
|        | text         | KEY  | Chiave   |
|        | text         | a-b  | Trattino |
|        | begin group  | a    | A        |
|        | text         | b    | B        |
|        | end group    |      |          |
|        | begin group  | g    | G        |
|        | begin repeat | r    | R        |
|        | text         | x    | X        |
|        | end repeat   |      |          |
|        | end group    |      |          |
| settings |
|          | form_id |
|          | clash   |
"""
MOVED = """
| survey |
|        | type         | name | label |
|        | begin repeat | r    | R     |
|        | text         | x    | X     |
|        | end repeat   |      |       |
| settings |
|          | form_id |
|          | clash   |
"""


def test_names_that_clash_get_a_central_style_suffix():
    layout = build_layout([spec_of(CLASH)])

    main = [column.name for column in layout.tables[0].columns]

    assert main[1:4] == ["KEY~2", "a-b", "a-b~2"]
    assert main[-5] == "KEY"


def test_repeats_of_the_same_name_are_numbered_depth_first():
    layout = build_layout([spec_of(MOVED), spec_of(CLASH)])

    # The old version's repeat came first in its form, so it comes first here too.
    assert [(table.name, table.path) for table in layout.tables] == [
        ("clash", ()),
        ("clash-r~1", ("r",)),
        ("clash-r~2", ("g", "r")),
    ]


def test_a_plain_note_has_no_column(famiglie):
    layout = build_layout([famiglie])

    assert "nota" not in [column.name for column in layout.tables[0].columns]


def test_an_untranslated_form_labels_columns_with_its_labels(versions):
    plan = ExportPlan(build_layout(versions[:1]), ExportOptions(language="en"))

    assert [column.label for column in plan.tables[0].columns[1:3]] == ["Nome", "Età"]


def test_submission_dates_without_time_zone_are_taken_as_utc(famiglie):
    plan = ExportPlan(build_layout([famiglie]), ExportOptions())
    naive = SubmissionRecord("uuid:n", {}, datetime(2025, 1, 2, 3, 4))
    aware = SubmissionRecord("uuid:a", {}, datetime(2025, 1, 2, 3, 4, tzinfo=UTC))

    dates = [row[0] for _, row in plan.rows([naive, aware])]

    assert dates == [datetime(2025, 1, 2, 3, 4), datetime(2025, 1, 2, 3, 4)]


def test_build_layout_needs_a_version():
    with pytest.raises(ValueError):
        build_layout([])
