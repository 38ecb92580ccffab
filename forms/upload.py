"""Everything an uploaded XLSForm goes through before it may be stored: conversion, FormSpec, logic checks."""

from dataclasses import dataclass

from forms.engine import check_form
from forms.engine_check import LogicProblem
from forms.errors import FormDefinitionError, FormProblem
from forms.spec import FormSpec
from forms.spec_read import read_xform
from forms.xlsform import LoadedForm, load_xlsform_tree


@dataclass(frozen=True)
class LogicFormProblem(FormProblem):
    """A problem the engine's logic checks found; they write their own Italian."""

    message_it: str = ""

    def message(self, lang: str = "it") -> str:
        return self.message_it if lang.lower().startswith("it") else self.message_en


@dataclass(frozen=True)
class PreparedForm:
    """A form ready to store: what the XLSForm became, its FormSpec, and the warnings worth showing."""

    loaded: LoadedForm
    spec: FormSpec
    warnings: tuple[FormProblem, ...]


def prepare_form(data: bytes, filename: str) -> PreparedForm:
    """Load an XLSForm and refuse what ODK would refuse: every expression must parse and every reference
    must exist, so a form pyxform accepts but ODK Validate rejects never reaches the field."""
    loaded, html = load_xlsform_tree(data, filename)
    spec = read_xform(html)  # the tree load_xlsform parsed: the XForm is parsed once
    logic = check_form(spec)
    errors = [_as_form_problem(p) for p in logic if p.severity == "error"]
    if errors:
        raise FormDefinitionError(errors)
    warnings = tuple(_as_form_problem(p) for p in logic if p.severity != "error")
    return PreparedForm(loaded, spec, loaded.warnings + warnings)


def _as_form_problem(problem: LogicProblem) -> FormProblem:
    return LogicFormProblem(
        sheet="survey",
        row=None,
        column=problem.column,
        code=f"logic_{problem.code}",
        params={"name": problem.name},
        message_en=problem.message_en,
        message_it=problem.message_it,
    )
