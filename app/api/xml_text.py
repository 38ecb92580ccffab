"""Which strings of a JSON submission an XForm instance can hold.

XML 1.0 has no NUL, no C0 control character but tab and line breaks, no lone surrogate and no U+FFFE or
U+FFFF. The API checks answers for them before the engine reads them, so such an answer is a 422 naming its
field, not a failed insert (PostgreSQL refuses NUL, UTF-8 refuses lone surrogates: both were 500s) nor an
instance stored that no XML reader can open again.
"""

import re
from typing import Any

UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def unfit_text_field(value: Any, path: str) -> str | None:
    """The path of the first string in `value`, a key or a value, that an XML instance cannot hold."""
    if isinstance(value, str):
        return path if UNFIT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}/{key}"
            found = field if UNFIT.search(str(key)) else unfit_text_field(item, field)
            if found is not None:
                return found
    elif isinstance(value, list):
        for position, item in enumerate(value, start=1):
            found = unfit_text_field(item, f"{path}[{position}]")
            if found is not None:
                return found
    return None
