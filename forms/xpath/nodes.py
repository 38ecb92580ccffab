"""The XPath node model over ElementTree: document and attribute nodes, parents, document order, axes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element


@dataclass(frozen=True, slots=True, eq=False)
class Document:
    """The root node of a tree, above its document element (ElementTree has no such node)."""

    element: Element


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute node; equal when it is the same attribute of the same element."""

    element: Element
    name: str

    @property
    def value(self) -> str:
        return self.element.get(self.name, "")


Node = Element | Document | Attribute

_PLAIN_NAME = re.compile(r"[\w-]+")
FORWARD_ORDERED_AXES = frozenset({"child", "self", "attribute", "parent"})
REVERSE_AXES = frozenset({"parent", "ancestor", "ancestor-or-self", "preceding", "preceding-sibling"})


def local_name(tag: object) -> str:
    """The name without its '{namespace}', because ODK paths name instance nodes without prefixes."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions kept by some parsers
    return tag.rpartition("}")[2]


def string_value(node: Node) -> str:
    """The XPath string-value of a node: the text it contains, or an attribute's value."""
    if isinstance(node, Attribute):
        return node.value
    element = node.element if isinstance(node, Document) else node
    return "".join(element.itertext())


class TreeIndex:
    """Parents and document order of the trees an evaluation walks.

    ElementTree elements do not know their parent, so the index maps them once and reuses the map
    for every expression evaluated with the same EvalContext. When a node is missing or its recorded
    parent no longer holds it (a repeat was added or removed), the index is rebuilt.
    """

    def __init__(self) -> None:
        self._documents: dict[Element, Document] = {}
        self._parents: dict[Element, Element | Document] = {}
        self._order: dict[Element, tuple[int, int]] = {}

    def document(self, element: Element) -> Document:
        """The document node above a top element, the same object on every call."""
        if element not in self._documents:
            self._documents[element] = Document(element)
            self._rebuild()
        return self._documents[element]

    def parent(self, node: Node) -> Node | None:
        if isinstance(node, Document):
            return None
        if isinstance(node, Attribute):
            return node.element
        parent = self._parents.get(node)
        if parent is None or not _holds(parent, node):
            self._rebuild()
            parent = self._parents.get(node)
        return parent

    def order(self, node: Node) -> tuple[int, int, int]:
        """A sort key giving document order, trees in the order they were first seen."""
        if isinstance(node, Document):
            return (self._order[node.element][0], -1, 0)
        element, rank = (node.element, 1) if isinstance(node, Attribute) else (node, 0)
        if element not in self._order:
            self._rebuild()
        tree, position = self._order.get(element, (len(self._documents), 0))
        return (tree, position, rank)

    def _rebuild(self) -> None:
        self._parents.clear()
        self._order.clear()
        for tree, (top, document) in enumerate(self._documents.items()):
            self._parents[top] = document
            for position, element in enumerate(top.iter()):
                self._order[element] = (tree, position)
                for child in element:
                    self._parents[child] = element


def _holds(parent: Element | Document, node: Element) -> bool:
    if isinstance(parent, Document):
        return parent.element is node
    return any(child is node for child in parent)


def children(node: Node) -> list[Node]:
    if isinstance(node, Document):
        return [node.element]
    if isinstance(node, Attribute):
        return []
    return [child for child in node if isinstance(child.tag, str)]


def named_children(node: Node, name: str) -> list[Node]:
    """Child elements with a local name: the common step, kept fast because every path takes it."""
    if isinstance(node, Attribute):
        return []
    if isinstance(node, Document):
        return [node.element] if local_name(node.element.tag) == name else []
    if _PLAIN_NAME.fullmatch(name):
        found: list[Node] = node.findall(name)  # ElementTree's C loop for a plain tag
        if found:
            return found
    # namespaced tags ('{uri}root' in an XForm's secondary instance) or names findall() would misread
    suffix = "}" + name
    return [c for c in node if c.tag == name or (type(c.tag) is str and c.tag.endswith(suffix))]


def descendants(node: Node) -> Iterator[Node]:
    for child in children(node):
        yield child
        yield from descendants(child)


def ancestors(node: Node, index: TreeIndex) -> Iterator[Node]:
    parent = index.parent(node)
    while parent is not None:
        yield parent
        parent = index.parent(parent)


def siblings(node: Node, index: TreeIndex, following: bool) -> list[Node]:
    parent = index.parent(node)
    if parent is None or isinstance(node, Attribute):
        return []
    family = children(parent)
    at = next(i for i, child in enumerate(family) if child is node)
    return family[at + 1 :] if following else family[:at][::-1]


def axis_nodes(node: Node, axis: str, index: TreeIndex) -> list[Node]:
    """The nodes on an axis, nearest first (so reverse axes come in reverse document order)."""
    if axis == "child":
        return children(node)
    if axis == "self":
        return [node]
    if axis == "attribute":
        return [Attribute(node, name) for name in node.attrib] if isinstance(node, Element) else []
    if axis == "parent":
        parent = index.parent(node)
        return [] if parent is None else [parent]
    if axis in ("descendant", "descendant-or-self"):
        return ([node] if axis == "descendant-or-self" else []) + list(descendants(node))
    if axis in ("ancestor", "ancestor-or-self"):
        return ([node] if axis == "ancestor-or-self" else []) + list(ancestors(node, index))
    if axis in ("following-sibling", "preceding-sibling"):
        return siblings(node, index, following=axis == "following-sibling")
    return _following_or_preceding(node, axis, index)


def _following_or_preceding(node: Node, axis: str, index: TreeIndex) -> list[Node]:
    own = [node, *ancestors(node, index)]
    top = own[-1]
    everything = [top, *descendants(top)]
    key = index.order(node)
    if axis == "following":
        inside = set(map(id, descendants(node)))
        return [n for n in everything if index.order(n) > key and id(n) not in inside]
    above = set(map(id, own))
    return [n for n in reversed(everything) if index.order(n) < key and id(n) not in above]


def matches(node: Node, test: str, axis: str) -> bool:
    """Whether a node passes a node test; names compare local names only."""
    if test == "node()":
        return True
    if axis == "attribute":
        return isinstance(node, Attribute) and (test == "*" or local_name(node.name) == test)
    if not isinstance(node, Element):
        return False
    return test == "*" or local_name(node.tag) == test
