"""The shared XLSForm corpus and the three domain forms load, or are refused naming the problem."""

import json
import re
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from forms.errors import FormDefinitionError
from forms.messages import ITALIAN_LEAD
from forms.upload import prepare_form
from forms.xlsform import Attachment, load_xlsform

SHARED = Path(__file__).resolve().parents[3] / "shared"  # CI clones the repository with shared/ beside it
CORPUS = SHARED / "xlsform-corpus" / "pyxform"
DOMAIN = SHARED / "domain" / "forms"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def entries(*expected: str) -> list:
    return [pytest.param(entry, id=entry["file"]) for entry in MANIFEST if entry["expected"] in expected]


def load(entry: dict):
    path = CORPUS / entry["file"]
    return load_xlsform(path.read_bytes(), path.name)


@pytest.mark.parametrize("entry", entries("ok"))
def test_every_corpus_form_expected_ok_loads_with_italian_warnings(entry):
    form = load(entry)

    assert form.form_id
    assert "<h:html" in form.xform
    assert [w.message_en for w in form.warnings if w.message("it").startswith(ITALIAN_LEAD)] == []


@pytest.mark.parametrize("entry", entries("pyxform-error"))
def test_every_form_pyxform_rejects_is_refused_naming_the_problem_in_both_languages(entry):
    message = entry["message"].removeprefix("PyXFormError: ")

    with pytest.raises(FormDefinitionError) as refused:
        load(entry)

    found = refused.value.problems[0]
    assert message in found.message("en")
    assert not found.message("it").startswith(ITALIAN_LEAD)
    stated_row = re.match(r"\[row : (\d+)\]", message)
    assert stated_row is None or found.row == int(stated_row.group(1))


@pytest.mark.parametrize("entry", entries("validate-error", "ok-pyxform-but-odk-validate-rejects"))
def test_every_form_odk_validate_rejects_is_refused(entry):
    # The whole upload pipeline: its XPath checks refuse what ODK Validate refuses for its expressions.
    path = CORPUS / entry["file"]
    with pytest.raises(FormDefinitionError) as refused:
        prepare_form(path.read_bytes(), path.name)

    assert refused.value.problems


def test_the_empty_group_odk_validate_rejects_is_refused_with_its_row():
    with pytest.raises(FormDefinitionError) as refused:
        load_xlsform((CORPUS / "historical/example_xls/warnings.xls").read_bytes(), "warnings.xls")

    (found,) = refused.value.problems
    assert (found.code, found.sheet, found.row) == ("empty_group", "survey", 14)
    assert "labeled_select_group" in found.message("it")


DOMAIN_FORMS = [
    ("cartella_sociale.xlsx", "cartella_sociale", (Attachment("puglia_territory.csv", "csv"),)),
    ("monitoraggio_servizi.xlsx", "monitoraggio_servizi", (Attachment("puglia_territory.csv", "csv"),)),
    ("valutazione_formazione.xlsx", "valutazione_formazione", ()),
]


@pytest.mark.parametrize(("filename", "form_id", "attachments"), DOMAIN_FORMS)
def test_each_domain_form_loads_in_italian_and_english_with_its_attachments(filename, form_id, attachments):
    form = load_xlsform((DOMAIN / filename).read_bytes(), filename)

    assert (form.form_id, form.version) == (form_id, "2025010101")
    assert form.title.startswith("HUMUS - ")
    assert form.languages == ("Italiano (it)", "English (en)")
    assert form.default_language == "Italiano (it)"
    assert form.attachments_expected == attachments
    assert form.warnings == ()


@pytest.mark.parametrize("filename", [name for name, _, _ in DOMAIN_FORMS])
def test_every_text_of_each_domain_form_is_written_in_both_languages(filename):
    form = load_xlsform((DOMAIN / filename).read_bytes(), filename)

    texts = _texts_by_language(form.xform)

    assert set(texts["Italiano (it)"]) == set(texts["English (en)"])
    assert [key for language in texts.values() for key, value in language.items() if not value.strip()] == []


def _texts_by_language(xform: str) -> dict[str, dict[str, str]]:
    xforms = "{http://www.w3.org/2002/xforms}"
    return {
        translation.get("lang"): {text.get("id"): "".join(text.itertext()) for text in translation}
        for translation in fromstring(xform).iter(f"{xforms}translation")
    }
