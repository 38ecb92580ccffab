"""String and select functions of the ODK library: concat, substr, regex, selected, uuid and the rest."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import secrets
import string
import uuid
from typing import TYPE_CHECKING

from forms.xpath.nodes import string_value
from forms.xpath.registry import function
from forms.xpath.tree import Call, Literal
from forms.xpath.values import Value, flatten, to_index, to_number, to_string

if TYPE_CHECKING:
    from forms.xpath.evaluator import Scope

MAX_PATTERN_LENGTH = 500
# Python's re has no timeout; a long subject is where a backtracking pattern hurts most.
MAX_REGEX_SUBJECT = 10_000
MAX_UUID_LENGTH = 1_000
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_ALPHANUMERIC = string.ascii_letters + string.digits
_DIGESTS = {"md5": "md5", "sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}


def _text(scope: Scope, values: tuple[Value, ...]) -> str:
    """The single optional argument as a string, or the context node's value when there is none."""
    return to_string(values[0]) if values else string_value(scope.node)


@function("string", 0, 1)
def string_(scope: Scope, *value: Value) -> str:
    return _text(scope, value)


@function("concat", 0, None)
def concat(scope: Scope, *values: Value) -> str:
    # ODK concatenates every node of a node-set argument, not only the first as XPath 1.0 would.
    return "".join(to_string(item) for item in flatten(values))


@function("join", 1, None)
def join(scope: Scope, separator: Value, *values: Value) -> str:
    return to_string(separator).join(to_string(item) for item in flatten(values))


@function("substr", 2, 3)
def substr(scope: Scope, value: Value, start: Value, end: Value | None = None) -> str:
    """0-based start, exclusive end; negative positions count from the end (as JavaRosa)."""
    text = to_string(value)
    first = to_index(start)
    last = len(text) if end is None else to_index(end)
    first, last = (len(text) + i if i < 0 else i for i in (first, last))
    first, last = (min(max(0, i), len(text)) for i in (first, last))
    return text[first:last]


@function("substring-before", 2)
def substring_before(scope: Scope, value: Value, marker: Value) -> str:
    text, found = to_string(value), to_string(marker)
    return text[: text.find(found)] if found in text else ""


@function("substring-after", 2)
def substring_after(scope: Scope, value: Value, marker: Value) -> str:
    text, found = to_string(value), to_string(marker)
    return text[text.find(found) + len(found) :] if found in text else ""


@function("translate", 3)
def translate(scope: Scope, value: Value, source: Value, target: Value) -> str:
    mapping: dict[int, int | None] = {}
    replacements = to_string(target)
    for index, char in enumerate(to_string(source)):
        # the first occurrence of a character decides; characters beyond the target are removed
        mapping.setdefault(ord(char), ord(replacements[index]) if index < len(replacements) else None)
    return to_string(value).translate(mapping)


@function("string-length", 0, 1)
def string_length(scope: Scope, *value: Value) -> float:
    return float(len(_text(scope, value)))


@function("normalize-space", 0, 1)
def normalize_space(scope: Scope, *value: Value) -> str:
    return _XML_SPACE.sub(" ", _text(scope, value)).strip(" ")


@function("contains", 2)
def contains(scope: Scope, value: Value, part: Value) -> bool:
    return to_string(part) in to_string(value)


@function("starts-with", 2)
def starts_with(scope: Scope, value: Value, part: Value) -> bool:
    return to_string(value).startswith(to_string(part))


@function("ends-with", 2)
def ends_with(scope: Scope, value: Value, part: Value) -> bool:
    return to_string(value).endswith(to_string(part))


def _check_pattern(call: Call) -> str | None:
    pattern = call.args[1]
    if not (isinstance(pattern, Literal) and isinstance(pattern.value, str)):
        return None
    return _pattern_problem(pattern.value)


def _pattern_problem(pattern: str) -> str | None:
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the regular expression is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        _compile(pattern)
    except re.error as error:
        return f"the regular expression {pattern!r} is not valid ({error})"
    return None


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@function("regex", 2, check=_check_pattern)
def regex(scope: Scope, value: Value, pattern: Value) -> bool:
    """Search, as Enketo does: ODK Collect matches the whole value, so anchor patterns with ^ and $.

    Searching accepts everything a whole-value match accepts, so the server never rejects an answer
    that Collect took. Patterns that are too long or invalid, and overlong values, do not match.
    """
    text, source = to_string(value), to_string(pattern)
    if len(text) > MAX_REGEX_SUBJECT or _pattern_problem(source):
        return False
    return _compile(source).search(text) is not None


def _choices(value: Value) -> list[str]:
    return to_string(value).split()


@function("selected", 2)
def selected(scope: Scope, answer: Value, choice: Value) -> bool:
    return to_string(choice).strip() in _choices(answer)


@function("count-selected", 1)
def count_selected(scope: Scope, answer: Value) -> float:
    return float(len(_choices(answer)))


@function("selected-at", 2)
def selected_at(scope: Scope, answer: Value, index: Value) -> str:
    choices = _choices(answer)
    at = to_number(index)
    return choices[int(at)] if 0 <= at < len(choices) else ""


@function("uuid", 0, 1)
def uuid_(scope: Scope, *length: Value) -> str:
    """A version 4 UUID, or with a length that many random letters and digits (at most 1000)."""
    if not length:
        return str(uuid.uuid4())
    count = min(max(to_index(length[0]), 0), MAX_UUID_LENGTH)
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(count))


def _check_digest(call: Call) -> str | None:
    algorithm = call.args[1]
    if isinstance(algorithm, Literal) and _digest_name(to_string(algorithm.value)) is None:
        return f"digest() knows MD5, SHA-1, SHA-256, SHA-384 and SHA-512, not {algorithm.value!r}"
    return None


def _digest_name(algorithm: str) -> str | None:
    return _DIGESTS.get(algorithm.strip().lower())


@function("digest", 2, 3, check=_check_digest)
def digest(scope: Scope, value: Value, algorithm: Value, encoding: Value = "base64") -> str:
    name = _digest_name(to_string(algorithm))
    if name is None:
        return ""
    hashed = hashlib.new(name, to_string(value).encode(), usedforsecurity=False)
    if to_string(encoding).strip().lower() == "hex":
        return hashed.hexdigest()
    return base64.b64encode(hashed.digest()).decode("ascii")


@function("base64-decode", 1)
def base64_decode(scope: Scope, value: Value) -> str:
    try:
        raw = base64.b64decode(to_string(value), validate=True)
    except binascii.Error:
        return ""
    return raw.decode("utf-8", errors="replace")
