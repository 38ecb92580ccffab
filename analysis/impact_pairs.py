"""Pre/post scores as complete pairs: missing values (None, NaN) dropped and counted, inputs checked."""

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.errors import InvalidValueError, MismatchedLengthsError, NotEnoughDataError

Score = float | None


@dataclass(frozen=True)
class Pairs:
    """The complete (pre, post) pairs, where they sit in the input, and how many pairs were incomplete."""

    pre: np.ndarray
    post: np.ndarray
    positions: tuple[int, ...]
    dropped: int

    @property
    def n(self) -> int:
        return len(self.positions)

    @property
    def differences(self) -> np.ndarray:
        """post − pre, computed in floating point exactly as R's x − y."""
        return self.post - self.pre


def is_missing(value: object) -> bool:
    """True for None and NaN, the two ways a missing answer reaches us."""
    if value is None:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isnan(value)


def to_number(value: object, label: str) -> float:
    """A finite real number, or an InvalidValueError that names where the bad value was."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InvalidValueError(
            f"{label}: il valore {value!r} non è un numero valido.",
            f"{label}: the value {value!r} is not a valid number.",
        )
    return float(value)


def check_same_length(pre: Sequence[object], post: Sequence[object]) -> None:
    """Paired series must have one entry per person on both sides."""
    if len(pre) != len(post):
        raise MismatchedLengthsError(
            f"Le due serie hanno lunghezze diverse (pre {len(pre)}, post {len(post)}).",
            f"The two series have different lengths (pre {len(pre)}, post {len(post)}).",
        )


def require_pairs(n: int, minimum: int) -> None:
    """Raise NotEnoughDataError when fewer than `minimum` complete pairs are left."""
    if n >= minimum:
        return
    if minimum == 1:
        raise NotEnoughDataError(
            f"Serve almeno 1 coppia completa (ne ho {n}).",
            f"At least 1 complete pair is needed (got {n}).",
        )
    raise NotEnoughDataError(
        f"Servono almeno {minimum} coppie complete (ne ho {n}).",
        f"At least {minimum} complete pairs are needed (got {n}).",
    )


def complete_pairs(pre: Sequence[Score], post: Sequence[Score], minimum: int = 2) -> Pairs:
    """Keep the pairs with both sides present, as R's complete.cases; count the others as dropped."""
    check_same_length(pre, post)
    kept_pre: list[float] = []
    kept_post: list[float] = []
    positions: list[int] = []
    for index, (before, after) in enumerate(zip(pre, post, strict=True)):
        if is_missing(before) or is_missing(after):
            continue
        kept_pre.append(to_number(before, f"pre[{index}]"))
        kept_post.append(to_number(after, f"post[{index}]"))
        positions.append(index)
    require_pairs(len(positions), minimum)
    return Pairs(np.array(kept_pre), np.array(kept_post), tuple(positions), len(pre) - len(positions))


def check_confidence(confidence: float) -> None:
    """A confidence level strictly between 0 and 1."""
    if not 0 < confidence < 1:
        raise InvalidValueError(
            f"Il livello di confidenza deve essere tra 0 e 1 (ho {confidence}).",
            f"The confidence level must be between 0 and 1 (got {confidence}).",
        )
