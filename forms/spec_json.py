"""JSON encoding of the FormSpec dataclasses, driven by their type hints so nothing is listed twice."""

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from functools import cache
from typing import Any, get_args, get_origin, get_type_hints

Decoder = Callable[[Any], Any]
Encoder = Callable[[Any], Any]
_SCALARS = (str, int, float)


def encode(value: Any) -> Any:
    """Dataclasses become dicts (without the fields left at their default), tuples lists and frozensets
    sorted lists; the rest is already JSON."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    encode_value = _ENCODERS.get(kind)
    if encode_value is None:
        encode_value = _ENCODERS[kind] = _encoder(kind)
    return encode_value(value)


# Specs hold some hundred thousand values: dispatch on the exact type through a table filled once per type,
# rather than asking is_dataclass and isinstance of every value.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_ENCODERS: dict[type, Encoder] = {}


def _encoder(kind: type) -> Encoder:
    if is_dataclass(kind):
        return _dataclass_encoder(kind)
    if issubclass(kind, tuple | list):
        return _encode_sequence
    if issubclass(kind, frozenset):
        return lambda value: sorted(encode(item) for item in value)
    if issubclass(kind, Mapping):
        return _encode_mapping
    return _same


def _dataclass_encoder(cls: type) -> Encoder:
    # A field still at its default is left out (decoding restores it): most fields of most controls and binds
    # are, and leaving them out makes the stored spec a fraction of the size, quicker to write and to read.
    required = tuple(f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING)
    optional = tuple(
        (f.name, f.default if f.default_factory is MISSING else f.default_factory())
        for f in fields(cls)
        if f.default is not MISSING or f.default_factory is not MISSING
    )

    def encode_dataclass(value: Any) -> dict[str, Any]:
        encoded = {name: encode(getattr(value, name)) for name in required}
        for name, default in optional:
            item = getattr(value, name)
            if item is not default and item != default:
                encoded[name] = encode(item)
        return encoded

    return encode_dataclass


def _encode_sequence(value: Any) -> list[Any]:
    return [item if type(item) in _PLAIN else encode(item) for item in value]


def _encode_mapping(value: Mapping[Any, Any]) -> dict[Any, Any]:
    return {key: item if type(item) in _PLAIN else encode(item) for key, item in value.items()}


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
