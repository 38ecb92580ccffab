"""The instance template as the submission codec walks it, worked out once per spec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forms.instance_values import decoder, encoder
from forms.spec import FormSpec, TemplateNode, derived

META = "meta"


@dataclass(frozen=True, eq=False)
class CodecNode:
    """A template node with what the codec asks of it on every submission.

    `kind` is "meta" (the top-level meta group, which belongs to the server), "repeat", "group" or
    "field". `tags` names the children by element tag, where a tag's local name is the child's name.
    `encode` and `decode` are `encode_value` and `decode_value` for its type.
    """

    template: TemplateNode
    name: str
    kind: str
    value_type: str
    children: tuple[CodecNode, ...]
    names: frozenset[str]
    tags: dict[str, str]
    top: bool = False
    encode: Callable[[Any], str] = str
    decode: Callable[[str], Any] = str


def codec_root(spec: FormSpec) -> CodecNode:
    """The top node of the spec's template, made once per spec."""
    return derived(spec, _make_root)


def _make_root(spec: FormSpec) -> CodecNode:
    types = {path: bind.type for path, bind in spec.binds.items()}
    return _node(spec.template, types, top=True, meta=False)


def _node(template: TemplateNode, types: dict[str, str], *, top: bool, meta: bool) -> CodecNode:
    children = tuple(
        _node(child, types, top=False, meta=top and child.name == META) for child in template.children
    )
    kind = "meta" if meta else "repeat" if template.repeat else "group" if template.children else "field"
    value_type = types.get(template.path, "string")
    return CodecNode(
        template=template,
        name=template.name,
        kind=kind,
        value_type=value_type,
        children=children,
        names=frozenset(child.name for child in children),
        tags={
            child.template.tag: child.name for child in children if local(child.template.tag) == child.name
        },
        top=top,
        encode=encoder(value_type),
        decode=decoder(value_type),
    )


def local(tag: object) -> str:
    """An element name without its namespace; '' for comments and processing instructions."""
    # Comments and processing instructions have a function as their tag.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
