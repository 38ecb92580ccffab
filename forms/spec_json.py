"""JSON encoding of the FormSpec dataclasses, driven by their type hints so nothing is listed twice."""

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any, get_args, get_origin, get_type_hints

Decoder = Callable[[Any], Any]
_SCALARS = (str, int, float)


def encode(value: Any) -> Any:
    """Dataclasses become dicts, tuples lists and frozensets sorted lists; the rest is already JSON."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, frozenset):
        return sorted(encode(item) for item in value)
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    return value


def decode(hint: Any, value: Any) -> Any:
    """Rebuild a value of type `hint` from what `encode` produced."""
    return decoder(hint)(value)


@cache
def decoder(hint: Any) -> Decoder:
    """A function rebuilding values of type `hint`, made once per type: specs are loaded on every request."""
    origin, args = get_origin(hint), get_args(hint)
    if is_dataclass(hint):
        return _dataclass_decoder(hint)
    if origin in (typing.Union, types.UnionType):
        return _union_decoder(args)
    if origin in (tuple, frozenset):
        item = decoder(args[0])
        return lambda value: origin(item(x) for x in value)
    if origin is dict:
        item = decoder(args[1])
        return lambda value: {key: item(x) for key, x in value.items()}
    return _same


def _same(value: Any) -> Any:
    return value


def _dataclass_decoder(cls: type) -> Decoder:
    # Filled on first use, because a dataclass may contain itself (a Control's children).
    field_decoders: list[tuple[str, Decoder]] = []

    def decode_dataclass(value: Mapping[str, Any]) -> Any:
        if not field_decoders:
            hints = get_type_hints(cls)
            field_decoders.extend((f.name, decoder(hints[f.name])) for f in fields(cls))
        return cls(
            **{name: decode_field(value[name]) for name, decode_field in field_decoders if name in value}
        )

    return decode_dataclass


def _union_decoder(args: tuple[Any, ...]) -> Decoder:
    shapes = [(shape, hint) for hint in args if (shape := _json_shape(hint))]

    def decode_union(value: Any) -> Any:
        if value is None or isinstance(value, _SCALARS):
            return value  # scalars are stored as themselves, whatever union they belong to
        for shape, hint in shapes:
            if isinstance(value, shape):
                return decoder(hint)(value)
        raise ValueError(f"{value!r} matches none of {args}")

    return decode_union


def _json_shape(hint: Any) -> type | tuple[type, ...] | None:
    if is_dataclass(hint) or get_origin(hint) is dict:
        return dict
    if get_origin(hint) in (tuple, frozenset):
        return (list, tuple)
    return None
