"""Form-definition problems as the user reads them: in their language, located by sheet, row and column."""

from flask_babel import get_locale

from forms.errors import FormProblem


def problem_dicts(problems: list[FormProblem] | tuple[FormProblem, ...]) -> list[dict[str, object]]:
    """The API's `errors` list: sheet, row, column and a message in the request's language."""
    lang = str(get_locale() or "it")
    return [
        {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message(lang)} for p in problems
    ]
