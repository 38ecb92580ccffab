"""prepare_form: what pyxform accepts but ODK Validate would refuse is refused here, without Java."""

import json
from pathlib import Path

import pytest

from forms.errors import FormDefinitionError
from forms.upload import prepare_form

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "xlsform-corpus" / "pyxform"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())

BAD_REFERENCE = """
| survey |
|        | type    | name | label | relevant          |
|        | integer | eta  | Età   |                   |
|        | text    | nome | Nome  | /data/etta > 18   |
"""


def test_an_expression_that_reads_a_missing_field_is_refused_in_both_languages():
    with pytest.raises(FormDefinitionError) as refused:
        prepare_form(BAD_REFERENCE.encode(), "form.md")

    [problem] = refused.value.problems
    assert (problem.sheet, problem.column) == ("survey", "relevant")
    assert "etta" in problem.message("en") and "etta" in problem.message("it")
    assert problem.message("en") != problem.message("it")


@pytest.mark.parametrize("name", [e["file"] for e in MANIFEST if e["expected"] == "ok"])
def test_every_corpus_form_odk_validate_accepts_is_prepared(name):
    prepared = prepare_form((CORPUS / name).read_bytes(), name)

    assert prepared.spec.form_id
