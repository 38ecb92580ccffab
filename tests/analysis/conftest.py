"""Helpers for the impact statistics tests: compare a number with the digits R printed."""


def printed(value: float, digits: int) -> str:
    """The value with `digits` significant digits, as R prints it (for example 0.002833 or 4.115e-05)."""
    return f"{value:.{digits}g}"
