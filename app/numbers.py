"""Whole numbers read from URLs and forms, bounded to what an id column holds.

`str.isdigit()` is true for "²", which int() refuses, and int() refuses more than 4,300 digits; a number past
2**31 - 1 makes PostgreSQL fail the query ("integer out of range"). Each of these was a 500 for a typed
URL. Here a number is decimal digits only and small enough for an INTEGER column, or it is not a number."""

from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column


def whole_number(value: object, maximum: int = ID_MAX) -> int | None:
    """`value` as a non-negative int if it is decimal digits (surrounding spaces allowed) within `maximum`."""
    if not isinstance(value, str):
        return None
    digits = value.strip()
    if not digits.isdecimal() or len(digits) > len(str(maximum)):
        return None
    number = int(digits)
    return number if number <= maximum else None


class IdConverter(IntegerConverter):
    """The `<int:...>` of our routes: as Werkzeug's, but a number no id column can hold matches no route,
    so it answers 404 like any other id that does not exist."""

    def __init__(
        self,
        url_map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = ID_MAX,  # noqa: A002
        signed: bool = False,
    ) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
