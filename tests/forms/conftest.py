"""Helpers for the pure form-engine tests: inline markdown XLSForms turned into XForm XML."""

import textwrap

from pyxform.xls2xform import convert


def xform_from_md(markdown: str, form_name: str = "data") -> str:
    """Convert an inline markdown XLSForm (as in STYLE.md) to XForm XML with pyxform, for test fixtures."""
    return convert(xlsform=textwrap.dedent(markdown), file_type=".md", form_name=form_name).xform
