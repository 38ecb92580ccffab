"""The instance under evaluation: elements indexed by template path, with their paths and parents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from xml.etree.ElementTree import Element  # noqa: S405 - building trees only; parsing goes through defusedxml

from forms.errors import FormError
from forms.spec import NAMESPACES, TemplateNode

JR_TEMPLATE = f"{{{NAMESPACES['jr']}}}template"
_STEP = re.compile(r"^([^\[\]/]+)(?:\[(\d+)\])?$")
_POSITIONS = re.compile(r"\[\d+\]")


class EngineError(FormError):
    """A request the engine refuses, with the reason in English and in Italian."""

    def __init__(self, message_en: str, message_it: str) -> None:
        super().__init__(message_en)
        self.message_en, self.message_it = message_en, message_it

    def message(self, lang: str = "it") -> str:
        return self.message_it if lang.lower().startswith("it") else self.message_en


class Slot(NamedTuple):
    """A template node as a child of its parent, with what indexing an element of it needs."""

    name: str
    path: str
    repeat: bool
    inner: bool  # has children of its own, to be walked too
    suffix: str  # '/name', the step its path adds to its parent's


@dataclass(frozen=True)
class Shape:
    """The instance template as lookup tables: every node by path, each node's children by name, and
    (for the walks every evaluation makes) by tag, where a tag's local name is the child's name.

    `slots` has each node's children as Slots, by tag and by name; `needed` the names of the children every
    element of the node must have (those that are not repeats)."""

    root: TemplateNode
    nodes: dict[str, TemplateNode]
    children: dict[str, dict[str, TemplateNode]]
    order: dict[str, int]
    tags: dict[str, dict[str, TemplateNode]]
    names: dict[str, str]
    slots: dict[str, tuple[dict[object, Slot], dict[str, Slot]]] = field(default_factory=dict)
    needed: dict[str, frozenset[str]] = field(default_factory=dict)


def shape_of(template: TemplateNode) -> Shape:
    nodes = {template.path: template, **{node.path: node for node in _descendants(template)}}
    children = {path: {child.name: child for child in node.children} for path, node in nodes.items()}
    tags = {
        path: {child.tag: child for child in node.children if local(child.tag) == child.name}
        for path, node in nodes.items()
    }
    names = {path: node.name for path, node in nodes.items()}
    slots = {
        path: (
            {tag: _slot(child) for tag, child in tags[path].items()},
            {name: _slot(child) for name, child in children[path].items()},
        )
        for path in nodes
    }
    needed = {
        path: frozenset(child.name for child in node.children if not child.repeat)
        for path, node in nodes.items()
    }
    order = {path: index for index, path in enumerate(nodes)}
    return Shape(template, nodes, children, order, tags, names, slots, needed)


def _slot(node: TemplateNode) -> Slot:
    return Slot(node.name, node.path, node.repeat, bool(node.children), f"/{node.name}")


def _descendants(node: TemplateNode) -> Iterator[TemplateNode]:
    for child in node.children:
        yield child
        yield from _descendants(child)


@dataclass(eq=False)
class Model:
    """An instance tree indexed once: call `index` again after adding or removing elements.

    `entries` lists every element below the root in document order as (element, path, template path,
    parent), for the walks that visit them all."""

    shape: Shape
    root: Element
    elements: dict[str, list[Element]] = field(default_factory=dict)
    parents: dict[Element, Element] = field(default_factory=dict)
    unknown: list[tuple[str, Element, Element]] = field(default_factory=list)
    entries: list[tuple[Element, str, str, Element]] = field(default_factory=list)
    _paths: dict[Element, str] | None = None
    _template_paths: dict[Element, str] | None = None
    _at: dict[str, Element] | None = None

    # The tables below are made from `entries` when first asked for: evaluating a submission needs none.

    @property
    def paths(self) -> dict[Element, str]:
        """Each element's path (1-based repeat positions), the root's included, in document order."""
        if self._paths is None:
            self._paths = {self.root: self.shape.root.path}
            self._paths.update((element, path) for element, path, _, _ in self.entries)
        return self._paths

    @property
    def template_paths(self) -> dict[Element, str]:
        """Each element's template path, the root's included."""
        if self._template_paths is None:
            self._template_paths = {self.root: self.shape.root.path}
            self._template_paths.update((element, template) for element, _, template, _ in self.entries)
        return self._template_paths

    @property
    def at(self) -> dict[str, Element]:
        """Each element by its path."""
        if self._at is None:
            self._at = {path: element for element, path in self.paths.items()}
        return self._at

    def index(self, *, conform: bool = False) -> Model:
        """Index the tree; with `conform`, conform it on the way (see `conform`), in the same walk."""
        self.elements.clear()
        self.parents.clear()
        self.unknown.clear()
        self.entries.clear()
        self._paths = self._template_paths = self._at = None
        root_path = self.shape.root.path
        self._walk(root_path, self.root, root_path, conform)
        return self

    def _walk(self, path: str, element: Element, at: str, fix: bool) -> None:
        marks = len(self.entries), len(self.unknown)
        if self._children(path, element, at, fix):
            return
        # Rare: the element holds a jr:template copy or lacks a child. What was indexed below it is
        # forgotten, the element fixed as `conform` fixes it, and its children indexed again.
        self._forget(*marks)
        _conform(self.shape, element, path)
        self._children(path, element, at, fix)

    def _children(self, path: str, element: Element, at: str, fix: bool) -> bool:
        """Index the children of `element` and below; with `fix`, stop (False) at a jr:template copy, and
        say False too when a child the template has is missing."""
        by_tag, by_name = self.shape.slots[path]
        elements, entries, parents = self.elements, self.entries, self.parents
        same = at == path  # outside repeats, an element's path is its template path
        seen: dict[str, int] = {}
        for child in element:
            if fix and child.get(JR_TEMPLATE) is not None:
                return False
            slot = by_tag.get(child.tag)
            if slot is None:
                slot = by_name.get(local(child.tag))
                if slot is None or not local(child.tag):
                    self.unknown.append((f"{at}/{local(child.tag)}", child, element))
                    continue
            name, template, repeat, inner, suffix = slot
            if repeat:
                seen[name] = count = seen.get(name, 0) + 1
                child_at = f"{at}/{name}[{count}]"
            elif name in seen:
                self.unknown.append((f"{at}/{name}", child, element))
                if fix and inner:
                    _conform(self.shape, child, template)  # dropped by evaluate, kept by add_repeat
                continue
            else:
                seen[name] = 1
                child_at = template if same else at + suffix
            found = elements.get(template)
            if found is None:
                elements[template] = [child]
            else:
                found.append(child)
            parents[child] = element
            entries.append((child, child_at, template, element))
            if inner:
                self._walk(template, child, child_at, fix)
        return not fix or seen.keys() >= self.shape.needed[path]

    def _forget(self, entries: int, unknown: int) -> None:
        """Undo what `_children` recorded after `entries` entries and `unknown` unknown elements."""
        for child, _, template, _ in self.entries[entries:]:
            del self.parents[child]
            found = self.elements[template]
            found.pop()  # the entries of one template path come last in its list, in the same order
            if not found:
                del self.elements[template]
        del self.entries[entries:], self.unknown[unknown:]

    def within(self, element: Element, ancestor: Element) -> bool:
        """Whether `ancestor` is `element` or one of its ancestors."""
        node: Element | None = element
        while node is not None and node is not ancestor:
            node = self.parents.get(node)
        return node is ancestor

    def locate(self, path: str) -> Element:
        """The element at a path with 1-based repeat positions (a repeat without one means its first)."""
        found = self.at.get(path.strip())
        if found is None:  # not `or`: an element without children is falsy
            found = self.at.get(_first_instances(path, self.shape))
        if found is None:
            raise EngineError(f"There is no {path} in this instance.", f"In questa istanza non c'è {path}.")
        return found


def index_model(shape: Shape, root: Element, *, conform: bool = False) -> Model:
    """The model of `root`; with `conform`, `root` is conformed (see `conform`) as it is indexed."""
    return Model(shape, root).index(conform=conform)


def local(tag: object) -> str:
    """An element name without its namespace; '' for comments and processing instructions."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def template_path(path: str) -> str:
    """'/data/figli[2]/eta' as '/data/figli/eta'."""
    return _POSITIONS.sub("", path)


def split_path(path: str) -> list[tuple[str, int | None]]:
    """'/data/figli[2]/eta' as [('data', None), ('figli', 2), ('eta', None)]; EngineError if malformed."""
    steps = []
    for part in path.strip().strip("/").split("/"):
        match = _STEP.match(part)
        if match is None:
            raise EngineError(
                f"'{path}' is not an instance path.", f"'{path}' non è un percorso dell'istanza."
            )
        steps.append((match.group(1), int(match.group(2)) if match.group(2) else None))
    return steps


def _first_instances(path: str, shape: Shape) -> str:
    built, template = "", ""
    for name, position in split_path(path):
        template += f"/{name}"
        node = shape.nodes.get(template)
        built += f"/{name}[{position or 1}]" if node is not None and node.repeat else f"/{name}"
    return built


def build(node: TemplateNode) -> Element:
    """A fresh element for a template node: its defaults, and one instance of each repeat inside it."""
    element = Element(node.tag, dict(node.attributes))
    element.text = node.default or None
    element.extend(build(child) for child in node.children)
    return element


def conform(shape: Shape, element: Element, node: TemplateNode | None = None) -> None:
    """Drop jr:template copies and add the empty elements a submission left out, in template order.

    ODK Collect leaves non-relevant groups and questions out of what it submits; the engine needs
    every node in place, so a missing one comes back empty (not with its default: it was not shown).
    """
    _conform(shape, element, (node or shape.root).path)


def _conform(shape: Shape, element: Element, path: str) -> None:
    by_tag, by_name = shape.slots[path]
    template_copies, present, inside = [], set(), []
    for child in element:
        if child.get(JR_TEMPLATE) is not None:
            template_copies.append(child)
            continue
        slot = by_tag.get(child.tag)
        if slot is None:
            name = local(child.tag)
            slot = by_name.get(name)
            present.add(name)
        else:
            present.add(slot.name)
        if slot is not None and slot.inner:
            inside.append((child, slot.path))
    for template_copy in template_copies:
        element.remove(template_copy)
    if not shape.needed[path] <= present:
        node = shape.nodes[path]
        missing = [child for child in node.children if child.name not in present and not child.repeat]
        for child in missing:
            element.insert(insert_position(shape, element, node, child.name), _empty(child))
    # What was just added is complete already: only what was there needs looking into.
    for child, child_path in inside:
        _conform(shape, child, child_path)


def _empty(node: TemplateNode) -> Element:
    element = Element(node.tag, dict(node.attributes))
    element.extend(_empty(child) for child in node.children if not child.repeat)
    return element


def insert_position(shape: Shape, parent: Element, node: TemplateNode, name: str) -> int:
    """Where a child called `name` belongs among `parent`'s children: after those that come before it."""
    rank = shape.order[f"{node.path}/{name}"]
    children, tags = shape.children[node.path], shape.tags[node.path]
    position = 0
    for index, child in enumerate(parent):
        template = tags.get(child.tag) or children.get(local(child.tag))
        if template is not None and shape.order[template.path] <= rank:
            position = index + 1
    return position
