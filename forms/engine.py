"""The form engine: new instances, evaluation and validation of submissions, choices, repeats and labels.

Decisions, the same for the web page, the JSON API and OpenRosa:
- Nothing here changes the Element it is given: every function works on a copy and returns it.
- A non-relevant answer (its own relevant is false, or a group or repeat around it is non-relevant) reads
  as empty in every expression, as in JavaRosa, and is dropped from `Evaluation.root`, the instance to store.
  `Evaluation.model` is the same instance with those answers kept, as ODK clients keep them while a form
  is open: a page that stores `model` in its draft gets an answer back if its question becomes relevant
  again. `Evaluation.dropped` lists what `root` left out.
- Calculates always win: a submitted value for a calculated field is replaced by the computed one.
- `evaluate` reports what a page shows as the user types (type errors, choices not offered, constraints
  of answered fields, expressions that fail); `validate` adds required answers left empty, elements the
  form does not have (dropped from the instance) and repeats whose number differs from their jr:count.
  `evaluate` brings counted repeats to their jr:count instead, as ODK Collect does while filling.
- xforms-value-changed setvalues (the XLSForm trigger column) run only when `previous` is given and the
  triggering question's value differs from it: a submission arriving whole has no history to compare.
- A select whose choices come from an attachment that is not given is not checked against them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element  # noqa: S405 - building trees only; parsing goes through defusedxml

from defusedxml.ElementTree import fromstring

from forms.engine_binds import Binds, FieldState
from forms.engine_check import LogicProblem, check_form
from forms.engine_checks import answer_problems
from forms.engine_choices import Attachments, make_context
from forms.engine_labels import PageReader, render_hint, render_label
from forms.engine_model import EngineError, Model, conform, index_model, template_path
from forms.engine_plan import FormLogicError, Plan, plan_for
from forms.engine_repeats import (
    FIRST_LOAD,
    NEW_REPEAT,
    adjust_counts,
    append_instance,
    check_changeable,
    check_removable,
    count_problems,
    fill_end,
    fill_preloads,
    fire_value_changed,
    run_actions,
)
from forms.engine_states import FieldStates, node_states
from forms.engine_text import FieldProblem, problem
from forms.spec import FormSpec

__all__ = [
    "EngineError",
    "Evaluation",
    "FieldProblem",
    "FieldState",
    "FormLogicError",
    "LogicProblem",
    "PageReader",
    "add_repeat",
    "check_form",
    "choices",
    "evaluate",
    "new_instance",
    "remove_repeat",
    "render_hint",
    "render_label",
    "validate",
]

# Repeat counts may depend on answers inside counted repeats; a few rounds settle any sane form.
_MAX_ROUNDS = 5


@dataclass(frozen=True)
class Evaluation:
    """The outcome of evaluating an instance: what to store, every node's state, and what is wrong.

    `fields` is a read-only mapping keyed by instance path with 1-based repeat positions
    ('/data/figli[2]/eta'); it holds groups and repeat instances too, in document order.
    """

    root: Element
    fields: FieldStates
    problems: list[FieldProblem]
    model: Element | None = None
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems


def new_instance(
    spec: FormSpec,
    *,
    now: datetime,
    username: str = "",
    instance_id: str | None = None,
    language: str | None = None,
) -> Element:
    """A fresh instance: template defaults, preloads, first-load setvalues, calculates, counted repeats."""
    plan = plan_for(spec)
    root = fromstring(spec.instance_xml, forbid_dtd=True)
    conform(plan.shape, root)  # drops the jr:template copies: they describe repeats, they are not data
    model = index_model(plan.shape, root)
    fill_preloads(spec, model, now=now, username=username, instance_id=instance_id)
    binds = _binds(spec, plan, model, now=now, language=language, attachments=None)
    run_actions(spec, binds, FIRST_LOAD)
    _settle(spec, binds, previous=None, adjust=True)
    _restore(binds)
    return root


def evaluate(
    spec: FormSpec,
    root: Element,
    *,
    now: datetime,
    language: str | None = None,
    attachments: Attachments | None = None,
    username: str = "",
    previous: Element | None = None,
    strict: bool = False,
) -> Evaluation:
    """Recompute the form over a copy of `root` and report each node's state (see the module's notes)."""
    plan = plan_for(spec)
    work = copy.deepcopy(root)
    model = index_model(plan.shape, work, conform=True)
    unknown = _drop_unknown(model)
    binds = _binds(spec, plan, model, now=now, language=language, attachments=attachments)
    if strict:
        fill_end(spec, model, now=now, username=username)
        run_actions(spec, binds, FIRST_LOAD, empty_meta_only=True)  # the entity id, for one
    _settle(spec, binds, previous=previous, adjust=not strict)
    states, answers = node_states(binds, strict=strict)
    problems = [*binds.errors.values(), *answer_problems(spec, binds, answers)]
    if strict:
        problems = [*(_unknown_problem(plan, path) for path in unknown), *problems]
        problems.extend(count_problems(binds))
    held = binds.held
    dropped = {model.paths[element]: value for element, value in held.items() if element in model.paths}
    # Copied once nothing but the tree refers to its elements: ElementTree then copies them in C, where
    # it calls copy.deepcopy for each element still referred to elsewhere (five times slower).
    del binds, model, answers
    cleaned = copy.deepcopy(work)
    for element, value in held.items():
        element.text = value
    return Evaluation(cleaned, states, problems, model=work, dropped=dropped)


def validate(spec: FormSpec, root: Element, **options: object) -> Evaluation:
    """`evaluate` with every check a stored submission must pass; store `root` only without problems."""
    return evaluate(spec, root, strict=True, **options)  # type: ignore[arg-type]


def choices(
    spec: FormSpec,
    root: Element,
    field_path: str,
    *,
    language: str | None = None,
    attachments: Attachments | None = None,
    now: datetime | None = None,
) -> list[tuple[str, str]]:
    """The (value, label) pairs a select offers at `field_path`, its choice_filter applied there."""
    return PageReader(spec, root, language=language, now=now, attachments=attachments).choices(field_path)


def add_repeat(
    spec: FormSpec,
    root: Element,
    repeat_path: str,
    *,
    now: datetime | None = None,
    language: str | None = None,
) -> Element:
    """A copy of `root` with a new instance of the repeat at `repeat_path` ('/data/casa[2]/figli'), after the
    last one, with its defaults and odk-new-repeat setvalues; EngineError when the form fixes the count."""
    plan = plan_for(spec)
    path = template_path(repeat_path)
    check_changeable(spec, plan, path)
    if path in plan.counts:
        raise EngineError(
            "The number of entries here follows the form's count: change the number it depends on.",
            "Il numero di elementi qui segue il conteggio del modulo: cambiare il numero da cui dipende.",
        )
    work = copy.deepcopy(root)
    model = index_model(plan.shape, work, conform=True)
    element = append_instance(plan, model, model.locate(repeat_path.rstrip("/").rsplit("/", 1)[0]), path)
    model.index()
    binds = _binds(spec, plan, model, now=now or datetime.now(UTC), language=language, attachments=None)
    run_actions(spec, binds, NEW_REPEAT, anchor=element)
    return work


def remove_repeat(
    spec: FormSpec, root: Element, instance_path: str, *, now: datetime | None = None
) -> Element:
    """A copy of `root` without the repeat instance at `instance_path` ('/data/figli[2]'); EngineError when
    the form fixes the number of entries (jr:noAddRemove) or removing it would go below jr:count."""
    plan = plan_for(spec)
    path = template_path(instance_path)
    check_changeable(spec, plan, path)
    work = copy.deepcopy(root)
    model = index_model(plan.shape, work, conform=True)
    element = model.at.get(instance_path.strip())
    if element is None or model.template_paths.get(element) != path:
        raise EngineError(f"There is no entry {instance_path}.", f"Non c'è l'elemento {instance_path}.")
    if path in plan.counts:
        binds = _binds(spec, plan, model, now=now or datetime.now(UTC), language=None, attachments=None)
        binds.run()
        check_removable(binds, element, path)
    model.parents[element].remove(element)
    return work


def _binds(
    spec: FormSpec,
    plan: Plan,
    model: Model,
    *,
    now: datetime,
    language: str | None,
    attachments: Attachments | None,
) -> Binds:
    context = make_context(spec, plan, model.root, now=now, language=language, attachments=attachments)
    context.trees.know(model.parents)  # so '..' needs no walk of the whole tree to find a parent
    return Binds(plan, model, context)


def _settle(spec: FormSpec, binds: Binds, *, previous: Element | None, adjust: bool) -> None:
    binds.run()
    if previous is not None:
        before = index_model(binds.plan.shape, previous)
        values = {path: element.text or "" for element, path in before.paths.items()}
        if fire_value_changed(spec, binds, values):
            binds.run()
    for _ in range(_MAX_ROUNDS):
        if not adjust or not adjust_counts(spec, binds):
            break
        binds.run()


def _drop_unknown(model: Model) -> list[str]:
    """Remove the elements the form does not have; their paths, for `validate` to report."""
    paths = [path for path, element, parent in model.unknown]
    for _, element, parent in model.unknown:
        parent.remove(element)
    if paths:
        model.index()
    return paths


def _unknown_problem(plan: Plan, path: str) -> FieldProblem:
    name = path.rsplit("/", 1)[-1]
    return problem(path, "twice" if template_path(path) in plan.shape.nodes else "unknown", name=name)


def _restore(binds: Binds) -> None:
    for element, value in binds.held.items():
        element.text = value
    binds.held.clear()
