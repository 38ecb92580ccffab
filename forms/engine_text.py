"""What the engine says to people: field problems in English and Italian, form languages, filled-in labels."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from forms.spec import FormSpec, Parts, render_parts
from forms.xpath import EvalContext, XPathError, compile_expression, to_string

# code -> (English, Italian), str.format templates
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("This answer is required.", "Risposta obbligatoria."),
    "constraint": ("This answer is not valid.", "Risposta non valida."),
    "int": ("Enter a whole number.", "Inserire un numero intero."),
    "decimal": (
        "Enter a number, with a dot for decimals.",
        "Inserire un numero, con il punto per i decimali.",
    ),
    "boolean": ("Answer true or false.", "Rispondere vero o falso."),
    "date": ("Enter a date as YYYY-MM-DD.", "Inserire una data nel formato AAAA-MM-GG."),
    "time": ("Enter a time as HH:MM or HH:MM:SS.", "Inserire un orario nel formato HH:MM o HH:MM:SS."),
    "dateTime": (
        "Enter a date and time as YYYY-MM-DDTHH:MM:SS.",
        "Inserire data e ora nel formato AAAA-MM-GGTHH:MM:SS.",
    ),
    "geopoint": (
        "Enter a location as latitude and longitude in degrees, then altitude and accuracy in metres.",
        "Inserire una posizione come latitudine e longitudine in gradi, poi altitudine e "
        "precisione in metri.",
    ),
    "geotrace": (
        "Enter a line as at least two locations separated by ';'.",
        "Inserire una linea come almeno due posizioni separate da ';'.",
    ),
    "geoshape": (
        "Enter a shape as at least three locations separated by ';'.",
        "Inserire un'area come almeno tre posizioni separate da ';'.",
    ),
    "choice": ("'{value}' is not one of the choices offered.", "'{value}' non è tra le scelte proposte."),
    "choice_twice": ("'{value}' is chosen more than once.", "'{value}' è scelto più di una volta."),
    "unknown": ("'{name}' is not a field of this form.", "'{name}' non è un campo di questo modulo."),
    "twice": (
        "'{name}' appears more than once but is not a repeat.",
        "'{name}' compare più volte ma non è una ripetizione.",
    ),
    "repeat_count": (
        "This repeat must have {expected} entries, not {found}.",
        "Questa ripetizione deve avere {expected} elementi, non {found}.",
    ),
    "expression": (
        "The form cannot compute this field: {problem}",
        "Il modulo non riesce a calcolare questo campo: {problem}",
    ),
}
_LANGUAGE_NAMES = {"english": "en", "italiano": "it", "italian": "it"}
_CODE = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*\)\s*$")


@dataclass(frozen=True)
class FieldProblem:
    """Something wrong with one answer; `path` is an instance path with 1-based repeat positions."""

    path: str
    code: str
    message_en: str
    message_it: str

    def message(self, lang: str | None = "it") -> str:
        """The Italian message for "it" (or "it-IT", "Italiano (it)"), the English one otherwise."""
        return self.message_it if language_code(lang or "") == "it" else self.message_en


def problem(path: str, code: str, **values: object) -> FieldProblem:
    """One of the engine's own problems, from the MESSAGES table."""
    english, italian = MESSAGES[code]
    return FieldProblem(path, code, english.format(**values), italian.format(**values))


def language_code(language: str) -> str:
    """'Italiano (it)', 'it-IT', 'it' and 'Italian' all give 'it'; '' when there is no telling."""
    found = _CODE.search(language)
    if found:
        return found.group(1).lower()
    lowered = language.strip().lower()
    if lowered in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[lowered]
    head = re.split(r"[-_]", lowered, maxsplit=1)[0]
    return head if len(head) in (2, 3) and head.isalpha() and head != "default" else ""


def form_language(spec: FormSpec, wanted: str | None) -> str | None:
    """The form's language matching `wanted` (its own name, a code like 'en', a name), else the default."""
    if wanted is None or wanted in spec.languages:
        return wanted if wanted is not None else spec.default_language
    code = language_code(wanted)
    matches = [lang for lang in spec.languages if code and language_code(lang) == code]
    return matches[0] if matches else spec.default_language


def message_pair(
    spec: FormSpec, path: str, kind: str, language: str | None, fill: Callable[[str], str]
) -> tuple[str, str] | None:
    """The form's own required or constraint message in English and Italian, or None when it has none.

    Each side uses the form's translation in that language when there is one, else `language`'s.
    """
    sides = []
    for code in ("en", "it"):
        lang = _language_for(spec, code, language)
        parts = spec.message(path, kind, lang)
        if parts is None:
            return None
        sides.append(render_parts(parts, fill).strip())
    return sides[0], sides[1]


def _language_for(spec: FormSpec, code: str, fallback: str | None) -> str | None:
    matches = [lang for lang in spec.languages if language_code(lang) == code]
    return matches[0] if matches else form_language(spec, fallback)


def filler(context: EvalContext) -> Callable[[str], str]:
    """A function giving the text of an `<output value=...>` expression, evaluated at the context node."""

    def fill(expression: str) -> str:
        try:
            return output_text(compile_expression(expression).evaluate(context))
        except XPathError:
            return ""  # a label must still show when one of its outputs cannot be computed

    return fill


def output_text(value: object) -> str:
    """A value as a label shows it: numbers as ODK prints them, NaN as nothing."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return to_string(value)  # type: ignore[arg-type]


def render(parts: Parts, context: EvalContext) -> str:
    """Label parts with their outputs filled in at the context node."""
    return render_parts(parts, filler(context))
