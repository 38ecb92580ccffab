"""One answer between its JSON value and the text of its instance element, by the type of its bind."""

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from forms.spec import MULTIPLE_TYPES

_INT = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TIME = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?"
_PATTERNS = {
    "date": (re.compile(r"^\d{4}-\d{2}-\d{2}$"), date.fromisoformat),
    "time": (re.compile(rf"^{_TIME}$"), time.fromisoformat),
    "dateTime": (re.compile(rf"^\d{{4}}-\d{{2}}-\d{{2}}T{_TIME}$"), datetime.fromisoformat),
}
MESSAGES = {
    "int": ("must be a whole number", "deve essere un numero intero"),
    "decimal": (
        "must be a number, with a dot for decimals",
        "deve essere un numero, con il punto per i decimali",
    ),
    "boolean": ("must be true or false", "deve essere vero o falso"),
    "multiple": ("must be a list of choice names", "deve essere una lista di nomi di scelte"),
    "spaces": (
        "choice names must be non-empty and without spaces",
        "i nomi delle scelte non possono essere vuoti né contenere spazi",
    ),
    "date": ("must be a date written YYYY-MM-DD", "deve essere una data scritta AAAA-MM-GG"),
    "time": ("must be a time written HH:MM:SS", "deve essere un orario scritto HH:MM:SS"),
    "dateTime": (
        "must be a date and time written YYYY-MM-DDTHH:MM:SS",
        "deve essere una data e ora scritta AAAA-MM-GGTHH:MM:SS",
    ),
    "text": ("must be text or a number", "deve essere un testo o un numero"),
}


class ValueProblem(ValueError):
    """An answer that does not fit its type; `kind` names the message in MESSAGES."""

    def __init__(self, kind: str) -> None:
        super().__init__(MESSAGES[kind][0])
        self.kind = kind


def is_empty(value: Any) -> bool:
    """None, "" and an empty list all mean "not answered"."""
    return value is None or (isinstance(value, str | list | tuple) and len(value) == 0)


def encode_value(value: Any, value_type: str) -> str:
    """The instance text for a JSON answer ("" when empty); raise ValueProblem when it does not fit."""
    if is_empty(value):
        return ""
    if value_type in MULTIPLE_TYPES:
        return _encode_multiple(value)
    return _ENCODERS.get(value_type, _encode_text)(value)


def text_fits(text: str, value_type: str) -> bool:
    """Whether an instance text is an answer `encode_value` accepts for `value_type`."""
    if value_type == "int" and text:
        # all _encode_int asks of a string, without the raise; plain digits need no pattern (\d is isdecimal)
        return text.isdecimal() or _INT.match(text.strip()) is not None
    try:
        encode_value(text, value_type)
    except ValueProblem:
        return False
    return True


def decode_value(text: str, value_type: str) -> Any:
    """The JSON answer for a non-empty instance text; raise ValueProblem when it does not fit."""
    if value_type in MULTIPLE_TYPES:
        return text.split()
    return _DECODERS.get(value_type, _decode_text)(text)


def encoder(value_type: str) -> Callable[[Any], str]:
    """`encode_value` for one type, with a shortcut for its commonest answers (an int, a string)."""
    if value_type == "int":
        return _encode_whole
    if value_type in MULTIPLE_TYPES or value_type in _ENCODERS:
        return lambda value: encode_value(value, value_type)

    def encode_plain(value: Any) -> str:
        return value if type(value) is str else encode_value(value, value_type)

    return encode_plain


def decoder(value_type: str) -> Callable[[str], Any]:
    """`decode_value` for one type, with a shortcut for its commonest texts (digits, plain text)."""
    if value_type == "int":
        return _decode_whole
    if value_type in MULTIPLE_TYPES:
        return str.split
    return _DECODERS.get(value_type, _decode_text)


# Whole numbers a float holds exactly, far inside what math.isfinite() accepts from an int.
_SAFE_INT = 2**53


def _encode_whole(value: Any) -> str:
    if type(value) is int and -_SAFE_INT < value < _SAFE_INT:
        return str(value)  # what _encode_int gives, without its checks
    return encode_value(value, "int")


def _decode_whole(text: str) -> int:
    # Plain digits match _INT (\d is what isdecimal accepts), so they need no pattern.
    return int(text) if text.isdecimal() else _decode_int(text)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plain_number(value: int | float) -> str:
    # repr gives the shortest text that reads back as the same float; "f" avoids 1e-05, not valid xsd:decimal.
    return str(value) if isinstance(value, int) else format(Decimal(repr(value)), "f")


def _encode_int(value: Any) -> str:
    if isinstance(value, str) and _INT.match(value.strip()):
        return str(int(value))
    if _is_number(value) and math.isfinite(value) and value == int(value):
        return str(int(value))
    raise ValueProblem("int")


def _encode_decimal(value: Any) -> str:
    if isinstance(value, str) and _DECIMAL.match(value.strip()):
        return _decimal_text(value.strip())
    if _is_number(value) and math.isfinite(value):
        return _plain_number(value)
    raise ValueProblem("decimal")


def _decimal_text(text: str) -> str:
    if not math.isfinite(float(text)):
        raise ValueProblem("decimal")
    # Keep what was written ("12.50"), except an exponent, which xsd:decimal does not allow.
    return format(Decimal(text), "f") if "e" in text.lower() else text


def _encode_boolean(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value in ("true", "false", "1", "0"):
        return value
    raise ValueProblem("boolean")


def _encode_multiple(value: Any) -> str:
    if not isinstance(value, list | tuple):
        raise ValueProblem("multiple")
    names = [_encode_text(item) for item in value]
    if any(not name or name.split() != [name] for name in names):
        raise ValueProblem("spaces")
    return " ".join(names)


def _encode_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if _is_number(value) and math.isfinite(value):
        return _plain_number(value)
    raise ValueProblem("text")


def _checked_moment(kind: str) -> Callable[[Any], str]:
    pattern, parse = _PATTERNS[kind]

    def check(value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueProblem(kind)
        try:
            parse(value)
        except ValueError:
            raise ValueProblem(kind) from None
        return value

    return check


def _decode_int(text: str) -> int:
    if not _INT.match(text.strip()):
        raise ValueProblem("int")
    return int(text)


def _decode_decimal(text: str) -> float:
    number = float(text) if _DECIMAL.match(text.strip()) else math.nan
    if not math.isfinite(number):
        raise ValueProblem("decimal")
    return number


def _decode_boolean(text: str) -> bool:
    if text.strip() not in ("true", "false", "1", "0"):
        raise ValueProblem("boolean")
    return text.strip() in ("true", "1")


def _decode_text(text: str) -> str:
    return text


_MOMENTS = {kind: _checked_moment(kind) for kind in _PATTERNS}
_ENCODERS: dict[str, Callable[[Any], str]] = {
    "int": _encode_int,
    "decimal": _encode_decimal,
    "boolean": _encode_boolean,
    **_MOMENTS,
}
_DECODERS: dict[str, Callable[[str], Any]] = {
    "int": _decode_int,
    "decimal": _decode_decimal,
    "boolean": _decode_boolean,
    **_MOMENTS,
}
