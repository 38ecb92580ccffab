"""FormSpec read from the XForm that pyxform produces: binds, controls, choices, translations, actions."""

import io
import json
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from forms.errors import FormError
from forms.spec import FormSpec, Output, render_parts
from forms.spec_read import XFormError, read_xform
from tests.forms.conftest import xform_from_md

DOMAIN_FORMS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "forms"
IT, EN = "Italiano (it)", "English (en)"


@pytest.fixture(scope="module")
def domain_specs() -> dict[str, FormSpec]:
    specs = {}
    for path in sorted(DOMAIN_FORMS.glob("*.xlsx")):
        xform = convert(xlsform=io.BytesIO(path.read_bytes()), file_type=".xlsx").xform
        specs[path.stem] = read_xform(xform)
    return specs


def spec_of(markdown: str) -> FormSpec:
    return read_xform(xform_from_md(markdown))


BASICS = """
| survey |
|        | type    | name | label | required | required_message | constraint | constraint_message | default |
|        | text    | name | Name  | yes      | Say your name    |            |                    | Ada     |
|        | integer | age  | Age   |          |                  | . >= 0     | Not negative       |         |
| settings |
|          | form_title | form_id  | version    |
|          | Registro   | registro | 2025010101 |
"""


def test_form_id_version_title_and_root_name_come_from_the_xform():
    spec = spec_of(BASICS)

    assert (spec.form_id, spec.version, spec.title, spec.root_name) == (
        "registro",
        "2025010101",
        "Registro",
        "data",
    )


def test_instance_template_keeps_defaults_without_the_xforms_namespace():
    spec = spec_of(BASICS)

    assert spec.instance_xml.startswith('<data id="registro" version="2025010101">')
    assert "<name>Ada</name>" in spec.instance_xml
    assert spec.field("/data/name").default == "Ada"


def test_binds_keep_required_and_constraint_with_their_raw_messages():
    spec = spec_of(BASICS)

    name, age = spec.binds["/data/name"], spec.binds["/data/age"]

    assert (name.required, name.required_message) == ("true()", "Say your name")
    assert (age.constraint, age.constraint_message) == (". >= 0", "Not negative")
    assert spec.message("/data/name", "required") == ("Say your name",)
    assert spec.message("/data/age", "required") is None


def test_binds_keep_relevant_calculate_and_readonly():
    spec = spec_of("""
    | survey |
    |        | type      | name  | label | relevant    | calculation | read_only |
    |        | text      | name  | Name  |             |             |           |
    |        | integer   | age   | Age   | ${name}!='' |             | yes       |
    |        | calculate | twice |       |             | ${age} * 2  |           |
    """)

    age, twice = spec.binds["/data/age"], spec.binds["/data/twice"]

    assert (age.relevant, age.readonly) == (" /data/name !=''", "true()")
    assert (twice.calculate, twice.type) == (" /data/age  * 2", "string")


TYPES = """
| survey |
|        | type                  | name | label |
|        | integer               | i    | I     |
|        | decimal               | d    | D     |
|        | date                  | dt   | Dt    |
|        | time                  | tm   | Tm    |
|        | dateTime              | dtm  | Dtm   |
|        | geopoint              | gp   | Gp    |
|        | geotrace              | gt   | Gt    |
|        | geoshape              | gs   | Gs    |
|        | image                 | img  | Img   |
|        | barcode               | bc   | Bc    |
|        | acknowledge           | ack  | Ack   |
|        | select_one yn         | one  | One   |
|        | select_multiple yn    | many | Many  |
|        | rank yn               | rk   | Rank  |
| choices |
|         | list_name | name | label |
|         | yn        | yes  | Yes   |
|         | yn        | no   | No    |
"""


@pytest.mark.parametrize(
    ("name", "value_type", "xml_type"),
    [
        ("i", "int", "int"),
        ("d", "decimal", "decimal"),
        ("dt", "date", "date"),
        ("tm", "time", "time"),
        ("dtm", "dateTime", "dateTime"),
        ("gp", "geopoint", "geopoint"),
        ("gt", "geotrace", "geotrace"),
        ("gs", "geoshape", "geoshape"),
        ("img", "binary", "binary"),
        ("bc", "barcode", "barcode"),
        ("ack", "string", "string"),
        ("one", "select1", "string"),
        ("many", "select", "string"),
        ("rk", "rank", "odk:rank"),
    ],
)
def test_bind_type_follows_the_question_type(name, value_type, xml_type):
    spec = spec_of(TYPES)

    bind = spec.binds[f"/data/{name}"]

    assert (bind.type, bind.xml_type) == (value_type, xml_type)


def test_preloads_keep_their_parameters():
    spec = spec_of("""
    | survey |
    |        | type     | name  |
    |        | start    | s     |
    |        | end      | e     |
    |        | today    | t     |
    |        | deviceid | dev   |
    |        | username | user  |
    """)

    preloads = {path: (b.preload, b.preload_params) for path, b in spec.binds.items() if b.preload}

    assert preloads == {
        "/data/s": ("timestamp", "start"),
        "/data/e": ("timestamp", "end"),
        "/data/t": ("date", "today"),
        "/data/dev": ("property", "deviceid"),
        "/data/user": ("property", "username"),
        "/data/meta/instanceID": ("uid", None),
    }


GROUPS = """
| survey |
|        | type        | name  | label   | appearance | repeat_count |
|        | begin group | outer | Outer   | field-list |              |
|        | text        | a     | A       |            |              |
|        | begin group | inner | Inner   |            |              |
|        | text        | b     | B       | multiline  |              |
|        | end group   |       |         |            |              |
|        | end group   |       |         |            |              |
|        | integer     | n     | How many |           |              |
|        | begin repeat | kids | Kid     |            | ${n}         |
|        | text        | kname | Name    |            |              |
|        | begin repeat | visits | Visit |            |              |
|        | date        | when  | When    |            |              |
|        | end repeat  |       |         |            |              |
|        | end repeat  |       |         |            |              |
"""


def test_controls_follow_body_order_with_groups_nested():
    spec = spec_of(GROUPS)

    outer = spec.controls[0]

    assert [c.name for c in spec.controls] == ["outer", "n", "kids"]
    assert (outer.kind, outer.appearance, outer.label) == ("group", "field-list", ("Outer",))
    assert [c.ref for c in outer.children] == ["/data/outer/a", "/data/outer/inner"]
    assert outer.children[1].children[0].appearance == "multiline"


def test_repeat_sits_in_its_group_with_its_count():
    spec = spec_of(GROUPS)

    group = spec.controls[2]
    repeat = group.children[0]

    assert (group.kind, repeat.kind, repeat.ref) == ("group", "repeat", "/data/kids")
    assert repeat.repeat_count == " /data/n "
    assert [c.name for c in repeat.children] == ["kname", "visits"]


def test_nested_repeats_are_known_and_fields_carry_their_ancestry():
    spec = spec_of(GROUPS)

    field = spec.field("/data/kids/visits/when")

    assert spec.repeats == {"/data/kids", "/data/kids/visits"}
    assert field.ancestors == ("/data/kids", "/data/kids/visits")
    assert field.repeats == ("/data/kids", "/data/kids/visits")
    assert spec.field("/data/outer/inner/b").repeats == ()


def test_fields_are_the_leaves_in_template_order_meta_included():
    spec = spec_of(GROUPS)

    paths = [field.path for field in spec.fields()]

    assert paths == [
        "/data/outer/a",
        "/data/outer/inner/b",
        "/data/n",
        "/data/kids/kname",
        "/data/kids/visits/when",
        "/data/meta/instanceID",
    ]


def test_an_unknown_field_path_raises_key_error():
    spec = spec_of(GROUPS)

    with pytest.raises(KeyError):
        spec.field("/data/outer")


def test_repeat_count_expression_gets_a_generated_count_field():
    spec = spec_of("""
    | survey |
    |        | type         | name | label | repeat_count |
    |        | integer      | n    | N     |              |
    |        | begin repeat | r    | R     | ${n} + 1     |
    |        | text         | t    | T     |              |
    |        | end repeat   |      |       |              |
    """)

    repeat = spec.controls[1].children[0]

    assert repeat.repeat_count == " /data/r_count "
    assert spec.binds["/data/r_count"].calculate == " /data/n  + 1"


SELECTS = """
| survey |
|        | type                        | name    | label   | choice_filter     | appearance |
|        | select_one region           | region  | Region  |                   | horizontal |
|        | select_one city             | city    | City    | region=${region}  | minimal    |
|        | select_multiple region      | visited | Visited |                   | likert     |
|        | select_one_from_file comuni.csv | comune | Comune |                 |            |
| choices |
|         | list_name | name   | label  | region |
|         | region    | puglia | Puglia |        |
|         | region    | lazio  | Lazio  |        |
|         | city      | bari   | Bari   | puglia |
|         | city      | roma   | Roma   | lazio  |
"""


def test_a_choice_list_becomes_an_inline_secondary_instance():
    spec = spec_of(SELECTS)

    itemset = spec.control("/data/region").itemset
    instance = spec.secondary_instances["region"]

    assert (itemset.instance_id, itemset.value_ref, itemset.label_ref) == ("region", "name", "label")
    assert instance.src is None
    assert instance.items == ({"name": "puglia", "label": "Puglia"}, {"name": "lazio", "label": "Lazio"})


def test_choice_filter_stays_in_the_itemset_nodeset():
    spec = spec_of(SELECTS)

    itemset = spec.control("/data/city").itemset

    assert itemset.nodeset == "instance('city')/root/item[region= /data/region ]"
    assert spec.secondary_instances["city"].items[0] == {"name": "bari", "label": "Bari", "region": "puglia"}


def test_select_one_from_file_points_at_an_external_csv():
    spec = spec_of(SELECTS)

    instance = spec.secondary_instances["comuni"]

    assert (instance.src, instance.items) == ("jr://file-csv/comuni.csv", None)
    assert spec.control("/data/comune").itemset.instance_id == "comuni"


@pytest.mark.parametrize(
    ("path", "kind", "appearance"),
    [
        ("/data/region", "select1", "horizontal"),
        ("/data/city", "select1", "minimal"),
        ("/data/visited", "select", "likert"),
    ],
)
def test_select_controls_keep_kind_and_appearance(path, kind, appearance):
    spec = spec_of(SELECTS)

    control = spec.control(path)

    assert (control.kind, control.appearance) == (kind, appearance)


BILINGUAL = """
| survey |
|        | type          | name | label::Italiano (it) | label::English (en) | hint::Italiano (it) |
|        | integer       | eta  | Età                  | Age                 | In anni             |
|        | select_one sn | ok   | Va bene?             |                     |                     |
|        | note          | nota | Età: ${eta} anni     | Age: ${eta} years   |                     |
| choices |
|         | list_name | name | label::Italiano (it) | label::English (en) |
|         | sn        | si   | Sì                   | Yes                 |
|         | sn        | no   | No                   | No                  |
| settings |
|          | default_language |
|          | Italiano (it)    |
"""

GUIDANCE_AND_MEDIA = """
| survey |
|        | type    | name | label::Italiano (it) | guidance_hint::Italiano (it) | media::image::English (en) |
|        | integer | eta  | Età                  | Anni compiuti                | age.png                    |
"""

CONSTRAINT_MESSAGES = """
| survey |
|        | type    | name | label::it | constraint | constraint_message::it | constraint_message::en |
|        | integer | eta  | Età       | . < 22     | Al massimo 21          | At most 21             |
"""


def test_languages_keep_itext_order_and_the_default_is_the_marked_one():
    spec = spec_of(BILINGUAL)

    assert (spec.languages, spec.default_language) == ((IT, EN), IT)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [(IT, ("Età",)), (EN, ("Age",)), (None, ("Età",)), ("Deutsch (de)", ("Età",))],
)
def test_label_is_read_in_the_language_asked_else_the_default(lang, expected):
    spec = spec_of(BILINGUAL)

    assert spec.label(spec.control("/data/eta"), lang) == expected


def test_a_blank_translation_falls_back_to_the_default_language():
    spec = spec_of(BILINGUAL)

    # pyxform writes "-" for the English label left blank.
    assert spec.translations[EN]["/data/ok:label"]["default"] == ("-",)
    assert spec.label(spec.control("/data/ok"), EN) == ("Va bene?",)


def test_label_without_any_text_falls_back_to_the_field_name():
    spec = spec_of("""
    | survey |
    |        | type    | name    | label |
    |        | begin group | sezione |   |
    |        | text    | a       | A     |
    |        | end group |       |       |
    """)

    assert spec.label(spec.controls[0], "Italiano (it)") == ("sezione",)


def test_a_hint_missing_in_a_language_falls_back_to_the_default():
    spec = spec_of(BILINGUAL)

    assert spec.hint(spec.control("/data/eta"), IT) == ("In anni",)
    assert spec.hint(spec.control("/data/eta"), EN) == ("In anni",)
    assert spec.hint(spec.control("/data/ok"), EN) == ()


def test_guidance_hint_is_the_guidance_form_of_the_hint_itext():
    spec = spec_of(GUIDANCE_AND_MEDIA)
    control = spec.control("/data/eta")

    assert spec.text(control.hint_id, IT, form="guidance") == ("Anni compiuti",)


def test_media_are_kept_per_language():
    spec = spec_of(GUIDANCE_AND_MEDIA)

    assert spec.control("/data/eta").media == {EN: {"image": "jr://images/age.png"}}


@pytest.mark.parametrize(("lang", "expected"), [("en", ("At most 21",)), ("it", ("Al massimo 21",))])
def test_constraint_messages_are_itext_refs_resolved_per_language(lang, expected):
    spec = spec_of(CONSTRAINT_MESSAGES)

    assert spec.binds["/data/eta"].constraint_message == "jr:itext('/data/eta:jr:constraintMsg')"
    assert spec.message("/data/eta", "constraint", lang) == expected


def test_without_a_default_mark_the_first_language_is_the_default():
    spec = spec_of(CONSTRAINT_MESSAGES)

    assert (spec.languages, spec.default_language) == (("it", "en"), "it")


def test_note_label_keeps_output_values_as_parts():
    spec = spec_of(BILINGUAL)

    parts = spec.label(spec.control("/data/nota"), IT)

    assert parts == (" Età: ", Output(" /data/eta "), " anni ")
    assert render_parts(parts, {" /data/eta ": "9"}.get) == " Età: 9 anni "


def test_items_of_a_translated_list_are_labelled_through_itext():
    spec = spec_of(BILINGUAL)
    itemset = spec.control("/data/ok").itemset
    first = spec.secondary_instances["sn"].items[0]

    assert (itemset.label_ref, itemset.label_is_itext) == ("itextId", True)
    assert spec.item_label(itemset, first, EN) == ("Yes",)
    assert spec.item_label(itemset, first, IT) == ("Sì",)


@pytest.mark.parametrize(
    ("path", "is_note"), [("/data/nota", True), ("/data/eta", False), ("/data/ok", False)]
)
def test_a_note_is_an_input_that_is_always_read_only(path, is_note):
    spec = spec_of(BILINGUAL)

    assert spec.is_note(spec.control(path)) is is_note


def test_a_single_language_note_keeps_its_output_inline():
    spec = spec_of("""
    | survey |
    |        | type    | name | label              |
    |        | integer | n    | N                  |
    |        | note    | tot  | Totale: ${n} casi  |
    """)

    control = spec.control("/data/tot")

    assert (control.label_id, control.label) == (None, (" Totale: ", Output(" /data/n "), " casi "))
    assert spec.binds["/data/tot"].readonly == "true()"
    assert spec.languages == ()


ACTIONS = """
| survey |
|        | type           | name  | label | calculation | trigger | default          | parameters     |
|        | start-geopoint | where |       |             |         |                  |                |
|        | integer        | n     | N     |             |         |                  |                |
|        | dateTime       | at    | At    | now()       | ${n}    |                  |                |
|        | begin repeat   | r     | R     |             |         |                  |                |
|        | date           | d     | D     |             |         | today()          |                |
|        | end repeat     |       |       |             |         |                  |                |
|        | image          | photo | Photo |             |         |                  | max-pixels=800 |
|        | range          | score | Score |             |         |                  | start=1 end=5 step=1 |
"""


def test_trigger_becomes_a_value_changed_setvalue_tied_to_its_control():
    spec = spec_of(ACTIONS)

    [action] = [a for a in spec.setvalues if a.ref == "/data/at"]

    assert (action.events, action.value, action.control) == (("xforms-value-changed",), "now()", "/data/n")


def test_dynamic_default_in_a_repeat_sets_every_new_repeat():
    spec = spec_of(ACTIONS)

    actions = {(a.events, a.control) for a in spec.setvalues if a.ref == "/data/r/d"}

    assert actions == {(("odk-instance-first-load",), None), (("odk-new-repeat",), "/data/r")}


def test_start_geopoint_is_a_setgeopoint_action_on_first_load():
    spec = spec_of(ACTIONS)

    [action] = [a for a in spec.setvalues if a.ref == "/data/where"]

    assert (action.action, action.events, action.control) == (
        "odk:setgeopoint",
        ("odk-instance-first-load",),
        None,
    )


def test_upload_and_range_keep_their_parameters():
    spec = spec_of(ACTIONS)

    photo, score = spec.control("/data/photo"), spec.control("/data/score")

    assert (photo.kind, photo.mediatype) == ("upload", "image/*")
    assert spec.binds["/data/photo"].extra == {"orx:max-pixels": "800"}
    assert (score.kind, score.extra) == ("range", {"start": "1", "end": "5", "step": "1"})


def test_submission_knows_the_instance_id_and_the_encryption_key():
    spec = spec_of("""
    | survey |
    |        | type | name | label |
    |        | text | a    | A     |
    | settings |
    |          | public_key | submission_url          |
    |          | MIIBIjANBg | https://example.org/sub |
    """)

    assert spec.submission.instance_id_path == "/data/meta/instanceID"
    assert (spec.submission.public_key, spec.submission.encrypted) == ("MIIBIjANBg", True)
    assert (spec.submission.action, spec.submission.method) == ("https://example.org/sub", "post")


HAND_WRITTEN = """<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa" xmlns:odk="http://www.opendatakit.org/xforms"
        xmlns:ev="http://www.w3.org/2001/xml-events">
  <h:head>
    <h:title>A mano</h:title>
    <model>
      <instance><survey id="amano"><colour/><order/><stamp/></survey></instance>
      <instance id="places" src="jr://file/places.xml"/>
      <bind nodeset="/survey/colour" type="select1"/>
      <bind nodeset="/survey/colour" required="true()"/>
      <bind nodeset="/survey/order" type="odk:rank"/>
      <bind nodeset="/survey/stamp" type="xsd:string"/>
      <setvalue ev:event="odk-instance-first-load" ref="/survey/stamp">fixed text</setvalue>
    </model>
  </h:head>
  <h:body>
    <select1 ref="/survey/colour">
      <label>Colour of <output value="/survey/stamp"/></label>
      <item><label>Red</label><value>red</value></item>
      <item><label ref="jr:itext('blue')"/><value> blue </value></item>
    </select1>
    <odk:rank ref="/survey/order"><label>Order</label>
      <item><label>One</label><value>one</value></item>
    </odk:rank>
  </h:body>
</h:html>
"""


def test_a_hand_written_xform_with_static_items_is_read():
    spec = read_xform(HAND_WRITTEN)

    colour = spec.control("/survey/colour")

    assert (spec.form_id, spec.version, spec.root_name, spec.languages) == ("amano", None, "survey", ())
    assert [(c.value, c.label, c.label_id) for c in colour.choices] == [
        ("red", ("Red",), None),
        ("blue", (), "blue"),
    ]
    assert colour.label == ("Colour of ", Output("/survey/stamp"))
    assert spec.control("/survey/order").kind == "rank"


def test_binds_on_one_node_are_merged_and_prefixed_types_normalised():
    spec = read_xform(HAND_WRITTEN)

    assert (spec.binds["/survey/colour"].type, spec.binds["/survey/colour"].required) == ("select1", "true()")
    assert spec.binds["/survey/order"].type == "rank"
    assert spec.binds["/survey/stamp"].type == "string"
    assert spec.submission.instance_id_path is None


def test_a_setvalue_with_text_content_is_a_literal():
    spec = read_xform(HAND_WRITTEN)

    [action] = spec.setvalues

    assert (action.value, action.literal, action.events) == (None, "fixed text", ("odk-instance-first-load",))


def test_an_external_xml_instance_keeps_its_src():
    spec = read_xform(HAND_WRITTEN)

    assert spec.secondary_instances["places"].src == "jr://file/places.xml"


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<h:html", r"not well-formed XML \(line 1"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "may not declare a DTD"),
        ('<h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head/></h:html>', "has no <model>"),
        (HAND_WRITTEN.replace(' id="amano"', ""), "has no id attribute"),
    ],
)
def test_a_broken_xform_is_refused_with_a_clear_message(xml, message):
    with pytest.raises(XFormError, match=message) as raised:
        read_xform(xml)

    assert isinstance(raised.value, FormError)


@pytest.mark.parametrize("markdown", [BASICS, TYPES, GROUPS, SELECTS, BILINGUAL, GUIDANCE_AND_MEDIA, ACTIONS])
def test_spec_round_trips_exactly_through_json(markdown):
    spec = spec_of(markdown)

    again = FormSpec.from_dict(json.loads(json.dumps(spec.to_dict())))

    assert again == spec
    assert again.to_dict() == spec.to_dict()


def test_hand_written_and_domain_specs_round_trip_through_json(domain_specs):
    for spec in [read_xform(HAND_WRITTEN), *domain_specs.values()]:
        assert FormSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize(
    ("name", "repeats", "field_count"),
    [
        ("cartella_sociale", {"/data/componenti", "/data/interventi"}, 56),
        ("monitoraggio_servizi", {"/data/personale"}, 69),
        ("valutazione_formazione", set(), 51),
    ],
)
def test_domain_forms_are_read_in_italian_and_english(domain_specs, name, repeats, field_count):
    spec = domain_specs[name]

    assert (spec.form_id, spec.version) == (name, "2025010101")
    assert (spec.languages, spec.default_language) == ((IT, EN), IT)
    assert spec.repeats == repeats
    assert len(list(spec.fields())) == field_count


def test_monitoring_form_filters_comuni_by_province_from_an_attached_csv(domain_specs):
    spec = domain_specs["monitoraggio_servizi"]

    itemset = spec.control("/data/intestazione/comune_capofila").itemset

    assert itemset.instance_id == "puglia_territory"
    assert "[province_code= /data/intestazione/provincia ]" in itemset.nodeset
    assert spec.secondary_instances["puglia_territory"].src == "jr://file-csv/puglia_territory.csv"


def test_monitoring_form_labels_and_messages_in_both_languages(domain_specs):
    spec = domain_specs["monitoraggio_servizi"]
    control = spec.control("/data/personale/n_operatori")

    assert spec.label(control, IT) != spec.label(control, EN)
    assert spec.message("/data/intestazione/provincia", "required", IT) == ("Campo obbligatorio",)
    assert spec.message("/data/intestazione/provincia", "required", EN) == ("This field is required",)


def test_intake_form_declares_a_minors_entity_with_saveto_binds(domain_specs):
    spec = domain_specs["cartella_sociale"]

    saved = {b.saveto for b in spec.binds.values() if b.saveto}

    assert (spec.entity.dataset, spec.entity.path, spec.entity.version) == (
        "minori",
        "/data/meta/entity",
        "2024.1.0",
    )
    assert spec.entity.attributes == {"create": "1", "id": ""}
    assert {"codice", "sesso", "anno_nascita", "stato"} <= saved
    assert [a.ref for a in spec.setvalues] == ["/data/meta/entity/@id"]


def test_intake_form_summary_note_outputs_the_computed_counts(domain_specs):
    spec = domain_specs["cartella_sociale"]

    outputs = [
        p.value.strip() for p in spec.label(spec.control("/data/riepilogo"), EN) if isinstance(p, Output)
    ]

    assert outputs == [
        "/data/minore/codice_minore",
        "/data/minore/eta_anni",
        "/data/n_componenti",
        "/data/n_conviventi",
        "/data/n_interventi",
    ]


def test_the_stored_spec_leaves_out_defaults_and_still_round_trips():
    spec = read_xform(
        xform_from_md(
            """
        | survey |
        |        | type    | name | label |
        |        | integer | eta  | Età   |
        """
        )
    )

    stored = spec.to_dict()

    assert FormSpec.from_dict(json.loads(json.dumps(stored))) == spec
    assert "relevant" not in json.dumps(stored)  # an unset bind attribute is not written out


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE h:html [<!ENTITY x "boom">]>',
        '<!DOCTYPE h:html SYSTEM "http://example.org/x.dtd">',
    ],
)
def test_an_xform_declaring_a_dtd_is_refused(doctype):
    xml = xform_from_md(
        """
        | survey |
        |        | type | name | label |
        |        | text | nome | Nome  |
        """
    ).replace('<?xml version="1.0"?>', '<?xml version="1.0"?>' + doctype)

    with pytest.raises(FormError):
        read_xform(xml)
