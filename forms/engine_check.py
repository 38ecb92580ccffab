"""Upload-time checks of a form's logic: expressions compile and read nodes that exist, without cycles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from forms.engine_model import Shape, shape_of
from forms.engine_plan import FormLogicError, compile_nodes, cycle_messages, dependency_cycles
from forms.spec import FormSpec, Output, Parts, walk_controls
from forms.xpath import XPathReferenceError, XPathSyntaxError, compile_expression

_BIND_COLUMNS = {
    "relevant": "relevant",
    "required": "required",
    "constraint": "constraint",
    "calculate": "calculation",
    "readonly": "read_only",
}
_ITEXT_COLUMNS = {
    "label": "label",
    "hint": "hint",
    "guidance_hint": "guidance_hint",
    "jr:constraintMsg": "constraint_message",
    "jr:requiredMsg": "required_message",
}
_CONSTANTS = frozenset({"true()", "false()"})


@dataclass(frozen=True)
class LogicProblem:
    """A problem with one expression of a form: where it sits (`path`, XLSForm `column`) and what is wrong.

    `severity` is "error" for what ODK Validate refuses, "warning" for what ODK accepts but is surely a
    slip (a name read below a question, where nothing can be: a quoted string was probably meant).
    """

    path: str
    column: str
    code: str
    message_en: str
    message_it: str
    severity: str = "error"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def message(self, lang: str = "it") -> str:
        return self.message_it if lang.lower().startswith("it") else self.message_en


def check_form(spec: FormSpec) -> list[LogicProblem]:
    """Every expression of the form (binds, choice filters, repeat counts, setvalues, label outputs)
    parsed, its references and instance() ids checked, and calculations checked for cycles."""
    shape = shape_of(spec.template)
    known = {"/", *shape.nodes}
    leaves = {path for path, node in shape.nodes.items() if not node.children and not node.repeat}
    problems: list[LogicProblem] = []
    seen: set[tuple[str, str, str]] = set()
    for place in _expressions(spec):
        if place not in seen:
            seen.add(place)
            problems.extend(_check(spec, known, leaves, *place))
    if not any(p.code == "syntax" for p in problems):
        problems.extend(_cycles(spec, shape))
    return problems


def _expressions(spec: FormSpec) -> Iterator[tuple[str, str, str]]:
    """(context path, XLSForm column, expression) for every expression the form holds."""
    root = spec.template.path
    for path, bind in spec.binds.items():
        for attribute, column in _BIND_COLUMNS.items():
            text = getattr(bind, attribute)
            if text and text.strip() not in _CONSTANTS:
                yield path, column, text
    for control in walk_controls(spec.controls):
        ref = control.ref or root
        if control.itemset is not None:
            yield ref, "choice_filter", control.itemset.nodeset
        if control.repeat_count:
            yield ref, "repeat_count", control.repeat_count
        for parts, column in ((control.label, "label"), (control.hint, "hint")):
            yield from _outputs(parts, ref, column)
        for choice in control.choices:
            yield from _outputs(choice.label, ref, "label")
    for action in spec.setvalues:
        if action.value:
            column = "trigger" if "xforms-value-changed" in action.events else "default"
            yield action.ref.strip(), column, action.value
    yield from _itext_outputs(spec)


def _itext_outputs(spec: FormSpec) -> Iterator[tuple[str, str, str]]:
    for texts in spec.translations.values():
        for text_id, forms in texts.items():
            path, _, kind = (
                text_id.partition(":") if text_id.startswith("/") else (spec.template.path, "", "")
            )
            for parts in forms.values():
                yield from _outputs(parts, path, _ITEXT_COLUMNS.get(kind, "label"))


def _outputs(parts: Parts, path: str, column: str) -> Iterator[tuple[str, str, str]]:
    for part in parts:
        if isinstance(part, Output) and part.value.strip():
            yield path, column, part.value


def _check(spec: FormSpec, known: set[str], leaves: set[str], path: str, column: str, text: str) -> list:
    try:
        expression = compile_expression(text)
    except XPathSyntaxError as error:
        return [_problem(path, column, "syntax", text, error.problem or str(error))]
    found = [
        _problem(path, column, "unknown_instance", text, instance_id)
        for instance_id in sorted(expression.instance_references - set(spec.secondary_instances))
    ]
    try:
        references = expression.references(path if path in known else spec.template.path)
    except XPathReferenceError as error:
        return [*found, _problem(path, column, "reference", text, error.problem or str(error))]
    for reference in sorted(references):
        found.extend(_reference_problem(known, leaves, path, column, text, reference))
    return found


def _reference_problem(
    known: set[str], leaves: set[str], path: str, column: str, text: str, reference: str
) -> Iterator[LogicProblem]:
    node = reference.split("/@", 1)[0]
    if "*" in node or "//" in node or node in known:
        return
    parent = node.rsplit("/", 1)[0]
    while parent and parent not in known:
        parent = parent.rsplit("/", 1)[0]
    if parent in leaves:
        yield _problem(path, column, "below_field", text, node.removeprefix(parent + "/"), severity="warning")
    else:
        yield _problem(path, column, "unknown_reference", text, node)


def _cycles(spec: FormSpec, shape: Shape) -> Iterator[LogicProblem]:
    try:
        nodes = compile_nodes(spec, shape)
    except FormLogicError:
        return  # reported above as syntax problems
    for cycle in dependency_cycles(nodes):
        english, italian = cycle_messages(cycle)
        yield LogicProblem(cycle[0], "calculation", "cycle", english, italian)


_MESSAGES = {
    "syntax": (
        "The {column} of '{name}' is not a valid expression ({detail}): {text}",
        "La colonna {column} di '{name}' non è un'espressione valida ({detail}): {text}",
    ),
    "reference": (
        "The {column} of '{name}' refers to a place that cannot exist ({detail}): {text}",
        "La colonna {column} di '{name}' fa riferimento a un punto che non può esistere ({detail}): {text}",
    ),
    "unknown_reference": (
        "The {column} of '{name}' refers to {detail}, which is not in the form: {text}",
        "La colonna {column} di '{name}' fa riferimento a {detail}, che non è nel modulo: {text}",
    ),
    "unknown_instance": (
        "The {column} of '{name}' reads instance('{detail}'), which the form does not declare: {text}",
        "La colonna {column} di '{name}' legge instance('{detail}'), che il modulo non dichiara: {text}",
    ),
    "below_field": (
        "The {column} of '{name}' reads '{detail}' inside a question, which is always empty; "
        "write text in quotes: {text}",
        "La colonna {column} di '{name}' legge '{detail}' dentro una domanda, che è sempre vuoto; "
        "scrivere il testo tra apici: {text}",
    ),
}


def _problem(
    path: str, column: str, code: str, text: str, detail: str, severity: str = "error"
) -> LogicProblem:
    values = {"column": column, "name": path.rsplit("/", 1)[-1], "detail": detail, "text": text.strip()}
    english, italian = (template.format(**values) for template in _MESSAGES[code])
    return LogicProblem(path, column, code, english, italian, severity)
