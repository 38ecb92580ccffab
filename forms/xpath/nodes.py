"""The XPath node model over ElementTree: document and attribute nodes, parents, document order, axes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
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

PLAIN_NAME = re.compile(r"[\w-]+")
FORWARD_ORDERED_AXES = frozenset({"child", "self", "attribute", "parent"})
REVERSE_AXES = frozenset({"parent", "ancestor", "ancestor-or-self", "preceding", "preceding-sibling"})


def local_name(tag: object) -> str:
    """The name without its '{namespace}', because ODK paths name instance nodes without prefixes."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions kept by some parsers
    return tag.rpartition("}")[2]


def string_value(node: Node) -> str:
    """The XPath string-value of a node: the text it contains, or an attribute's value."""
    if type(node) is Element and not len(node) and type(node.tag) is str:
        text = node.text  # a leaf, the common case: its own text is all itertext() would give
        if text is None or type(text) is str:
            return text or ""
    if isinstance(node, Attribute):
        return node.value
    element = node.element if isinstance(node, Document) else node
    return "".join(element.itertext())


class TreeIndex:
    """Parents and document order of the trees an evaluation walks.

    ElementTree elements do not know their parent, so the index maps them once and reuses the map
    for every expression evaluated with the same EvalContext. When a node is missing or its recorded
    parent no longer holds it (a repeat was added or removed), the index is rebuilt. A new tree marks
    the document order stale rather than rebuilding it there and then: most expressions never ask for
    document order, and a parent is checked before it is used, so neither pays for the walk.
    """

    def __init__(self) -> None:
        self._documents: dict[Element, Document] = {}
        self._parents: dict[Element, Element | Document] = {}
        self._order: dict[Element, tuple[int, int]] = {}
        self._stale = False

    def document(self, element: Element) -> Document:
        """The document node above a top element, the same object on every call."""
        found = self._documents.get(element)
        if found is None:
            found = self._documents[element] = Document(element)
            self._stale = True
        return found

    def know(self, parents: Mapping[Element, Element]) -> None:
        """Parent links the caller has already worked out, such as the engine's model of an instance.

        Each is checked before it is used, like every recorded parent, so a wrong one costs a rebuild.
        """
        self._parents.update(parents)

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
        if self._stale:
            self._rebuild()
        if isinstance(node, Document):
            return (self._order[node.element][0], -1, 0)
        element, rank = (node.element, 1) if isinstance(node, Attribute) else (node, 0)
        if element not in self._order:
            self._rebuild()
        tree, position = self._order.get(element, (len(self._documents), 0))
        return (tree, position, rank)

    def _rebuild(self) -> None:
        self._stale = False
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
    return node in parent  # elements compare by identity, so this is ElementTree's C loop asking `is`


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
    if PLAIN_NAME.fullmatch(name):
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
