"""Functions about nodes and form data: position, instance, current, indexed-repeat, pulldata, once,
jr:choice-name and randomize."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from forms.xpath.errors import XPathEvaluationError
from forms.xpath.nodes import Attribute, Document, Node, TreeIndex, children, local_name, string_value
from forms.xpath.references import Location, locate
from forms.xpath.registry import function
from forms.xpath.tree import Call, Expr, Path
from forms.xpath.values import Value, to_index, to_number, to_string

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope


@function("position", 0, 1, lazy=True, node_sets=(0,))
def position(scope: Scope, args: tuple[Expr, ...]) -> float:
    """Inside a predicate, the context position; otherwise (or given a node) the node's 1-based index
    among its siblings of the same name, which is its repeat instance number."""
    if not args and scope.position is not None:
        return float(scope.position)
    nodes = scope.node_set(args[0], "position()") if args else [scope.node]
    return float(sibling_position(nodes[0], scope.context.trees)) if nodes else math.nan


def sibling_position(node: Node, trees: TreeIndex) -> int:
    parent = trees.parent(node)
    if not isinstance(node, Element) or parent is None:
        return 1
    same = [child for child in children(parent) if isinstance(child, Element) and child.tag == node.tag]
    return next(index for index, child in enumerate(same, start=1) if child is node)


def location_of(node: Node, trees: TreeIndex) -> Location:
    """The names from the top element down to a node, without positions: ('data', 'rep', 'q')."""
    names: list[str] = []
    current: Node | None = node
    while current is not None and not isinstance(current, Document):
        names.append(f"@{current.name}" if isinstance(current, Attribute) else local_name(current.tag))
        current = trees.parent(current)
    return tuple(reversed(names))


@function("instance", 1, returns_node_set=True)
def instance(scope: Scope, name: Value) -> list[Node]:
    """The document node of a secondary instance, so that instance('id')/root/item works as in ODK."""
    element = scope.context.instances.get(to_string(name))
    if element is not None and local_name(element.tag) == "instance":
        element = next((child for child in element if isinstance(child.tag, str)), None)
    return [] if element is None else [scope.context.trees.document(element)]


@function("current", 0, returns_node_set=True)
def current(scope: Scope) -> list[Node]:
    return [scope.context.current_node]


def _check_indexed_repeat(call: Call) -> str | None:
    if len(call.args) % 2 == 0:
        return "indexed-repeat() takes a field, then pairs of a repeat and a position"
    paths = [call.args[0], *call.args[1::2]]
    for number, arg in zip((1, *range(2, len(call.args), 2)), paths, strict=True):
        if not isinstance(arg, Path) or arg.start is not None:
            return f"argument {number} of indexed-repeat() must be a path"
    return None


@function("indexed-repeat", 3, 11, lazy=True, returns_node_set=True, check=_check_indexed_repeat)
def indexed_repeat(scope: Scope, args: tuple[Expr, ...]) -> list[Node]:
    """The field in the chosen instance of each repeat, as JavaRosa does; positions below 1 mean 1."""
    here = location_of(scope.node, scope.context.trees)
    target = _located(args[0], here)
    chosen: Node | None = None
    depth = 0
    for repeat_arg, index_arg in zip(args[1::2], args[2::2], strict=True):
        repeat = _located(repeat_arg, here)
        if len(repeat) <= depth or target[: len(repeat)] != repeat:
            raise XPathEvaluationError(
                "indexed-repeat(): each repeat must contain the field and the repeat before"
            )
        found = (
            scope.node_set(repeat_arg, "indexed-repeat()")
            if chosen is None
            else _descend(chosen, repeat[depth:])
        )
        index = max(to_index(scope.evaluate(index_arg)), 1)
        if index > len(found):
            return []
        chosen, depth = found[index - 1], len(repeat)
    assert chosen is not None
    return _descend(chosen, target[depth:])


def _located(arg: Expr, here: Location) -> Location:
    assert isinstance(arg, Path)
    location = locate(arg, here)
    if location is None or any(name in ("", "*") for name in location):
        raise XPathEvaluationError("indexed-repeat() needs plain paths to the field and its repeats")
    return location


def _descend(node: Node, names: Location) -> list[Node]:
    nodes = [node]
    for name in names:
        if name.startswith("@"):
            nodes = [Attribute(n, name[1:]) for n in nodes if isinstance(n, Element) and name[1:] in n.attrib]
        else:
            nodes = [
                c for n in nodes for c in children(n) if isinstance(c, Element) and local_name(c.tag) == name
            ]
    return nodes


@function("pulldata", 4)
def pulldata(scope: Scope, source: Value, column: Value, key_column: Value, key: Value) -> str:
    """The first matching row's value from an attached CSV, or from a secondary instance of that id."""
    name, wanted, key_name, key_value = (to_string(value) for value in (source, column, key_column, key))
    rows = scope.context.pulldata.get(name)
    if rows is not None:
        return next((row.get(wanted, "") for row in rows if row.get(key_name) == key_value), "")
    for item in _instance_items(scope, name):
        fields = {local_name(child.tag): (child.text or "") for child in item}
        if fields.get(key_name) == key_value:
            return fields.get(wanted, "")
    return ""


def _instance_items(scope: Scope, name: str) -> Iterator[Element]:
    for document in instance(scope, name):
        assert isinstance(document, Document)
        yield from document.element


@function("once", 1, lazy=True)
def once(scope: Scope, args: tuple[Expr, ...]) -> Value:
    """The field's own value when it has one, so once(random()) keeps its first result."""
    value = string_value(scope.context.context_node)
    return value if value else scope.evaluate(args[0])


@function("jr:choice-name", 2)
def choice_name(scope: Scope, value: Value, select_path: Value) -> str:
    """The label of a choice in the current language, from EvalContext.choice_labels."""
    labels = scope.context.choice_labels
    if labels is None:
        return ""
    path = _absolute(to_string(select_path).strip(), location_of(scope.node, scope.context.trees))
    if callable(labels):
        return labels(to_string(value), path) or ""
    return labels.get(path, {}).get(to_string(value), "")


def _absolute(path: str, here: Location) -> str:
    """Resolve a relative path written as a string (pyxform writes ' /data/q ' or ' ../q ')."""
    if path.startswith("/"):
        return "/" + "/".join(part for part in path.split("/") if part)
    names = list(here)
    for part in path.split("/"):
        if part == "..":
            names = names[:-1]
        elif part not in ("", "."):
            names.append(part)
    return "/" + "/".join(names)


@function("randomize", 1, 2, node_sets=(0,), returns_node_set=True)
def randomize(scope: Scope, nodes: Value, *seed: Value) -> list[Node]:
    """Shuffle as ODK Collect does: inside-out Fisher-Yates, with a Park-Miller generator when seeded."""
    assert isinstance(nodes, list)
    draws = _park_miller(_seed(seed[0])) if seed else iter(scope.context.rng.random, None)
    shuffled: list[Node] = list(nodes)
    for index, node in enumerate(nodes):
        target = int(next(draws) * (index + 1))
        shuffled[index] = shuffled[target]
        shuffled[target] = node
    return shuffled


def _seed(value: Value) -> int:
    number = to_number(value)
    if math.isnan(number):
        # as JavaRosa: text that is not a number seeds with the first 8 bytes of its SHA-256
        text = to_string(value)
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True) if text else 0
    return int(max(min(number, 2.0**63 - 1), -(2.0**63))) if math.isfinite(number) else 0


def _park_miller(seed: int) -> Iterator[float]:
    modulus = 2147483647.0
    state = math.fmod(float(seed), modulus)
    if state <= 0:
        state += modulus - 1
    while True:
        state = math.fmod(state * 16807, modulus)
        yield (int(state) - 1) / (modulus - 1)
