"""What the engine works out once per form: compiled bind expressions and the order to evaluate them in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple
from xml.etree.ElementTree import Element, SubElement  # noqa: S405 - building trees only

from forms.engine_model import EngineError, Shape, shape_of
from forms.spec import MULTIPLE_TYPES, Bind, Control, FormSpec, derived, walk_controls
from forms.xpath import Expression, XPathError, compile_expression

# A bind condition: a constant when the form writes true() or false(), else the expression to evaluate.
Condition = bool | Expression
_CONSTANTS = {"true()": True, "false()": False}

ENCODED_TYPES = frozenset({"int", "decimal", "boolean", "date", "time", "dateTime"})
SELECT_TYPES = MULTIPLE_TYPES | {"select1"}
GEO_TYPES = frozenset({"geopoint", "geotrace", "geoshape"})
# Types whose answers can be wrong (text, notes and the like never are).
CHECKED_TYPES = ENCODED_TYPES | SELECT_TYPES | GEO_TYPES


class FormLogicError(EngineError):
    """The form's logic cannot be evaluated: an expression does not compile, or calculations form a cycle."""


@dataclass(frozen=True)
class NodePlan:
    """One node of the instance template with its bind, compiled."""

    path: str
    kind: str  # "field", "group" or "repeat"
    parent: str
    value_type: str
    relevant: Condition = True
    required: Condition = False
    readonly: Condition = False
    constraint: Expression | None = None
    calculate: Expression | None = None


class RunStep(NamedTuple):
    """One node of `Plan.steps` as a flat tuple, so the loop over every element reads no attributes."""

    path: str
    is_field: bool
    relevant: Condition
    calculate: Expression | None
    value_type: str


class NodeRule(NamedTuple):
    """What the walk after evaluation asks of a template node: its state's conditions and how to check it.

    `checked` says whether its answers can be of the wrong type or not among the choices, `whole` whether
    it takes whole numbers; `control` is a select's control, and `offered` the values it offers when they
    are fixed (no itemset)."""

    is_field: bool
    readonly: Condition
    calculated: bool
    required: Condition
    constraint: Expression | None
    checked: bool
    whole: bool
    node: NodePlan
    control: Control | None = None
    offered: frozenset[str] | None = None


@dataclass(frozen=True)
class Plan:
    """A form compiled for evaluation; `order` lists groups of paths, each group's members depending on
    one another only through a group's relevance (evaluated twice so the result settles)."""

    shape: Shape
    nodes: dict[str, NodePlan]
    order: tuple[tuple[str, ...], ...]
    counts: dict[str, Expression]
    fixed: frozenset[str]
    instances: dict[str, Element]
    rules: dict[str, NodeRule] = field(default_factory=dict)
    # Filled as selects are checked: the values of itemsets that read no answer, and which itemsets those are
    constant_options: dict[str, frozenset[str]] = field(default_factory=dict)
    itemset_kinds: dict[tuple[str, str], tuple[bool, bool]] = field(default_factory=dict)

    @cached_property
    def steps(self) -> tuple[NodePlan, ...]:
        """`order` as the nodes to evaluate one after the other, a component of several listed twice."""
        return tuple(
            self.nodes[path]
            for component in self.order
            for _ in range(2 if len(component) > 1 else 1)
            for path in component
        )

    @cached_property
    def run_steps(self) -> tuple[RunStep, ...]:
        """`steps` as flat tuples."""
        return tuple(
            RunStep(node.path, node.kind == "field", node.relevant, node.calculate, node.value_type)
            for node in self.steps
        )


def _rule(spec: FormSpec, node: NodePlan) -> NodeRule:
    calculated = node.calculate is not None
    checked = not calculated and node.value_type in CHECKED_TYPES
    control = spec.control(node.path) if checked and node.value_type in SELECT_TYPES else None
    fixed = control is not None and control.itemset is None
    return NodeRule(
        is_field=node.kind == "field",
        readonly=node.readonly,
        calculated=calculated,
        required=node.required,
        constraint=node.constraint,
        checked=checked,
        whole=node.value_type == "int",
        node=node,
        control=control,
        offered=frozenset(choice.value for choice in control.choices) if fixed else None,  # type: ignore[union-attr]
    )


def plan_for(spec: FormSpec) -> Plan:
    """The plan of a spec, made on first use and kept while the spec lives."""
    return derived(spec, _make_plan)


def _make_plan(spec: FormSpec) -> Plan:
    shape = shape_of(spec.template)
    nodes = compile_nodes(spec, shape)
    cycles = dependency_cycles(nodes)
    if cycles:
        raise FormLogicError(*cycle_messages(cycles[0]))
    order = tuple(strongly_connected(_graph(nodes, with_parents=True)))
    controls = [c for c in walk_controls(spec.controls) if c.kind == "repeat" and c.ref]
    counts = {c.ref: _compile(c.repeat_count, c.ref) for c in controls if c.ref and c.repeat_count}
    fixed = frozenset(c.ref for c in controls if c.ref and (c.no_add_remove or "").strip() == "true()")
    rules = {path: _rule(spec, node) for path, node in nodes.items()}
    return Plan(shape, nodes, order, counts, fixed, inline_instances(spec), rules)  # type: ignore[arg-type]


def compile_nodes(spec: FormSpec, shape: Shape) -> dict[str, NodePlan]:
    """Every node below the root with its bind compiled; FormLogicError if an expression does not compile."""
    return {path: _node(spec, shape, path) for path in shape.nodes if path != shape.root.path}


def _node(spec: FormSpec, shape: Shape, path: str) -> NodePlan:
    template = shape.nodes[path]
    kind = "repeat" if template.repeat else "group" if template.children else "field"
    bind = spec.binds.get(path) or Bind(path)
    return NodePlan(
        path=path,
        kind=kind,
        parent=path.rsplit("/", 1)[0],
        value_type=bind.type,
        relevant=_condition(bind.relevant, True, path),
        required=_condition(bind.required, False, path),
        readonly=_condition(bind.readonly, False, path),
        constraint=_compile(bind.constraint, path),
        calculate=_compile(bind.calculate, path),
    )


def _condition(text: str | None, default: bool, path: str) -> Condition:
    if text is None or not text.strip():
        return default
    constant = _CONSTANTS.get(text.strip())
    return constant if constant is not None else _compile(text, path)  # type: ignore[return-value]


def _compile(text: str | None, path: str) -> Expression | None:
    if text is None or not text.strip():
        return None
    try:
        return compile_expression(text)
    except XPathError as error:
        raise FormLogicError(f"{path}: {error}", f"{path}: {error}") from None


def dependency_cycles(nodes: dict[str, NodePlan]) -> list[tuple[str, ...]]:
    """Calculations and relevance conditions that depend on each other in a circle, each as its paths."""
    return [group for group in strongly_connected(_graph(nodes, with_parents=False)) if len(group) > 1]


def cycle_messages(cycle: Iterable[str]) -> tuple[str, str]:
    names = ", ".join(f"'{path.rsplit('/', 1)[-1]}'" for path in cycle)
    return (
        f"The calculations or relevance conditions of {names} depend on each other in a circle.",
        f"I calcoli o le condizioni di rilevanza di {names} dipendono l'uno dall'altro in un circolo.",
    )


def _graph(nodes: dict[str, NodePlan], *, with_parents: bool) -> dict[str, list[str]]:
    rank = {path: index for index, path in enumerate(nodes)}
    graph: dict[str, list[str]] = {}
    for path, node in nodes.items():
        found = set() if not with_parents or node.parent not in nodes else {node.parent}
        for expression in (node.relevant, node.calculate):
            if isinstance(expression, Expression):
                found.update(_owner(ref, nodes) for ref in expression.references(path))
        found.discard(path)  # a field reading itself (once(), a running total) is not a cycle
        found.discard("")
        graph[path] = sorted(found, key=rank.__getitem__)
    return graph


def _owner(reference: str, nodes: dict[str, NodePlan]) -> str:
    """The template node a reference reads, or '' when it names none (wildcards, missing nodes)."""
    path = reference.split("/@", 1)[0]
    return path if path in nodes else ""


def strongly_connected(graph: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """Tarjan's components, each listed after every component it depends on (edges point to dependencies)."""
    return _Tarjan(graph).components()


class _Tarjan:
    def __init__(self, graph: dict[str, list[str]]) -> None:
        self.graph = graph
        self.rank = {node: position for position, node in enumerate(graph)}
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.found: list[tuple[str, ...]] = []

    def components(self) -> list[tuple[str, ...]]:
        for start in self.graph:
            if start not in self.index:
                self._visit(start)
        return self.found

    def _enter(self, node: str) -> None:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)

    def _visit(self, start: str) -> None:
        # Iterative, so a long chain of calculations cannot exhaust Python's recursion limit.
        self._enter(start)
        work = [(start, iter(self.graph[start]))]
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in self.index:
                    self._enter(target)
                    work.append((target, iter(self.graph[target])))
                    break
                if target in self.on_stack:
                    self.low[node] = min(self.low[node], self.index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    self.low[parent] = min(self.low[parent], self.low[node])
                if self.low[node] == self.index[node]:
                    self._pop_component(node)

    def _pop_component(self, node: str) -> None:
        members: list[str] = []
        while not members or members[-1] != node:
            members.append(self.stack.pop())
            self.on_stack.discard(members[-1])
        self.found.append(tuple(sorted(members, key=self.rank.__getitem__)))


def inline_instances(spec: FormSpec) -> dict[str, Element]:
    """The inline secondary instances (choice lists) as `<root><item>…</item></root>` trees."""
    return {
        instance.id: rows_element(instance.items)
        for instance in spec.secondary_instances.values()
        if instance.items is not None and not instance.src
    }


def rows_element(rows: Iterable[dict[str, str]]) -> Element:
    """Rows of named values (a choice list, an attached CSV) as an instance `<root>` of `<item>`s."""
    root = Element("root")
    for row in rows:
        item = SubElement(root, "item")
        for name, value in row.items():
            if name and _is_name(name):
                SubElement(item, name).text = "" if value is None else str(value)
    return root


def _is_name(name: str) -> bool:
    # CSV headers become element names; one XPath cannot name (a space, a leading digit) is unreachable.
    return name.replace("_", "a").replace("-", "a").replace(".", "a").isalnum() and not name[0].isdigit()
