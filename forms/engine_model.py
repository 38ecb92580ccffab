"""The instance under evaluation: elements indexed by template path, with their paths and parents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Shape:
    """The instance template as lookup tables: every node by path, each node's children by name, and
    (for the walks every evaluation makes) by tag, where a tag's local name is the child's name."""

    root: TemplateNode
    nodes: dict[str, TemplateNode]
    children: dict[str, dict[str, TemplateNode]]
    order: dict[str, int]
    tags: dict[str, dict[str, TemplateNode]]
    names: dict[str, str]


def shape_of(template: TemplateNode) -> Shape:
    nodes = {template.path: template, **{node.path: node for node in _descendants(template)}}
    children = {path: {child.name: child for child in node.children} for path, node in nodes.items()}
    tags = {
        path: {child.tag: child for child in node.children if local(child.tag) == child.name}
        for path, node in nodes.items()
    }
    names = {path: node.name for path, node in nodes.items()}
    return Shape(template, nodes, children, {path: index for index, path in enumerate(nodes)}, tags, names)


def _descendants(node: TemplateNode) -> Iterator[TemplateNode]:
    for child in node.children:
        yield child
        yield from _descendants(child)


@dataclass(eq=False)
class Model:
    """An instance tree indexed once: call `index` again after adding or removing elements."""

    shape: Shape
    root: Element
    elements: dict[str, list[Element]] = field(default_factory=dict)
    paths: dict[Element, str] = field(default_factory=dict)
    at: dict[str, Element] = field(default_factory=dict)
    template_paths: dict[Element, str] = field(default_factory=dict)
    parents: dict[Element, Element] = field(default_factory=dict)
    unknown: list[tuple[str, Element, Element]] = field(default_factory=list)

    def index(self) -> Model:
        for table in (self.elements, self.paths, self.at, self.template_paths, self.parents):
            table.clear()
        self.unknown.clear()
        root_path = self.shape.root.path
        self.paths[self.root], self.at[root_path], self.template_paths[self.root] = (
            root_path,
            self.root,
            root_path,
        )
        self._walk(self.shape.root, self.root, root_path)
        return self

    def _walk(self, node: TemplateNode, element: Element, at: str) -> None:
        children, tags, names = self.shape.children[node.path], self.shape.tags[node.path], self.shape.names
        seen: dict[str, int] = {}
        for child in element:
            template = tags.get(child.tag)
            if template is not None:
                name = names[template.path]
            else:
                name = local(child.tag)
                template = children.get(name)
            if template is None or (not template.repeat and name in seen) or not name:
                self.unknown.append((f"{at}/{name}", child, element))
                continue
            seen[name] = count = seen.get(name, 0) + 1
            child_at = f"{at}/{name}[{count}]" if template.repeat else f"{at}/{name}"
            self.elements.setdefault(template.path, []).append(child)
            self.paths[child], self.at[child_at] = child_at, child
            self.template_paths[child], self.parents[child] = template.path, element
            if template.children:
                self._walk(template, child, child_at)

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


def index_model(shape: Shape, root: Element) -> Model:
    return Model(shape, root).index()


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
    node = node or shape.root
    children, tags, names = shape.children[node.path], shape.tags[node.path], shape.names
    template_copies, present, inside = [], set(), []
    for child in element:
        if child.get(JR_TEMPLATE) is not None:
            template_copies.append(child)
            continue
        template = tags.get(child.tag)
        if template is None:
            template = children.get(local(child.tag))
        present.add(local(child.tag) if template is None else names[template.path])
        if template is not None and template.children:
            inside.append((child, template))
    for template_copy in template_copies:
        element.remove(template_copy)
    missing = [child for child in node.children if names[child.path] not in present and not child.repeat]
    for child in missing:
        element.insert(insert_position(shape, element, node, names[child.path]), _empty(child))
    # What was just added is complete already: only what was there needs looking into.
    for child, template in inside:
        conform(shape, child, template)


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
