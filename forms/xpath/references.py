"""Which instance paths an expression reads, found from its syntax tree without evaluating it."""

from __future__ import annotations

from forms.xpath.errors import XPathReferenceError
from forms.xpath.tree import Binary, Call, Expr, Filter, Literal, Negate, Path, Step, children

# A place in the primary instance as names from the top element down, e.g. ("data", "grp", "q").
# Attributes appear as "@name", wildcards as "*", and "" stands for '//' (any depth).
Location = tuple[str, ...]


def segments(path: str) -> Location:
    """'/data/grp/q' as ('data', 'grp', 'q'); '/' or '' is the document itself."""
    return tuple(part for part in path.strip().split("/") if part)


def render(location: Location) -> str:
    return "/" + "/".join(location)


def find_references(expr: Expr, context_path: str) -> frozenset[str]:
    """The primary-instance paths an expression reads.

    Relative paths, '.', '..' and current() resolve against `context_path`; paths inside predicates
    count too. Paths into secondary instances (instance('id')/...) are left out (see instance_ids).
    Wildcards and other axes are rendered in XPath notation ('/data/*', '/data//x'); steps along
    ancestor, sibling, following or preceding axes cannot be placed and are left out.
    """
    walker = _Walker(segments(context_path))
    walker.visit(expr, walker.current)
    return frozenset(walker.paths)


def instance_ids(expr: Expr) -> frozenset[str]:
    """The ids named in instance('id') calls anywhere in an expression."""
    found: set[str] = set()
    stack: list[Expr | Step] = [expr]
    while stack:
        node = stack.pop()
        argument = node.args[0] if isinstance(node, Call) and node.name == "instance" else None
        if isinstance(argument, Literal) and isinstance(argument.value, str):
            found.add(argument.value)
        stack.extend(children(node))
    return frozenset(found)


def locate(path: Path, here: Location) -> Location | None:
    """Where a path expression points, ignoring its predicates; None if not in the primary instance."""
    return _Walker(here).visit(path, here)


class _Walker:
    def __init__(self, current: Location) -> None:
        self.current = current
        self.paths: set[str] = set()

    def visit(self, expr: Expr, here: Location | None) -> Location | None:
        """Collect what `expr` reads; return the location it selects when it is a known path."""
        if isinstance(expr, Literal):
            return None
        if isinstance(expr, Negate):
            self.visit(expr.operand, here)
            return None
        if isinstance(expr, Binary):
            self.visit(expr.left, here)
            self.visit(expr.right, here)
            return None
        if isinstance(expr, Call):
            return self._call(expr, here)
        if isinstance(expr, Filter):
            location = self.visit(expr.primary, here)
            for predicate in expr.predicates:
                self.visit(predicate, location)
            return location
        return self._path(expr, here)

    def _call(self, call: Call, here: Location | None) -> Location | None:
        if call.name == "current":
            if self.current:
                self.paths.add(render(self.current))  # current() on its own reads the field
            return self.current
        for arg in call.args:
            self.visit(arg, here)
        return None  # a function's nodes, such as instance()'s, are not a place in the primary instance

    def _path(self, path: Path, here: Location | None) -> Location | None:
        location = () if path.absolute else here
        if isinstance(path.start, Call) and path.start.name == "current":
            location = self.current  # current()/../x reads x, not the field itself
        elif path.start is not None:
            location = self.visit(path.start, here)
        for step in path.steps:
            location = None if location is None else _step(step, location)
            for predicate in step.predicates:
                self.visit(predicate, location)
        if location:
            self.paths.add(render(location))
        return location


def _step(step: Step, location: Location) -> Location | None:
    if step.axis == "self":
        return location
    if step.axis == "parent":
        if not location:
            raise XPathReferenceError("'..' goes above the top of the instance")
        return location[:-1]
    test = "*" if step.test == "node()" else step.test
    if step.axis == "child":
        return location + (test,)
    if step.axis == "attribute":
        return location + (f"@{test}",)
    if step.axis == "descendant-or-self" and step.test == "node()":
        return location + ("",)
    if step.axis in ("descendant", "descendant-or-self"):
        return location + ("", test)
    return None
