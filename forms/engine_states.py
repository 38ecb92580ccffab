"""Every node's state once the binds have run, and the answers to check, found in one walk of the instance."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from xml.etree.ElementTree import Element  # noqa: S405 - reading trees only

from forms.engine_binds import Binds, FieldState
from forms.engine_checks import Answer

# A node's state before it is a FieldState: (path, relevant, required, readonly, value, constraint_ok).
Row = tuple[str, bool, bool, bool, str, bool]


class FieldStates(Mapping[str, FieldState]):
    """`Evaluation.fields`: every node's state by instance path, in document order.

    The states are worked out during the evaluation and kept as tuples until first read: a submission
    through the API reads only the problems, and a FieldState per node would cost it more than the walk.
    """

    __slots__ = ("_rows", "_states")

    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows
        self._states: dict[str, FieldState] | None = None

    def _all(self) -> dict[str, FieldState]:
        if self._states is None:
            self._states = {
                path: FieldState(relevant, required, readonly, value, constraint_ok)
                for path, relevant, required, readonly, value, constraint_ok in self._rows
            }
            self._rows = []
        return self._states

    def __getitem__(self, path: str) -> FieldState:
        return self._all()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, path: object) -> bool:
        return path in self._all()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._all() == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment] - a mapping, compared by its items

    def __repr__(self) -> str:
        return f"FieldStates({self._all()!r})"


def node_states(binds: Binds, *, strict: bool) -> tuple[FieldStates, list[Answer]]:
    """Each node's state after `binds.run`, and the relevant fields whose answers need checking: those with
    a value (of a checked type, or breaking their constraint) and, when `strict`, those required and empty.

    A non-relevant node is not required and breaks no constraint; readonly is inherited from the groups
    around a node, and a calculated field is always readonly.
    """
    rules, relevant, truth = binds.plan.rules, binds.relevant, binds.truth
    locked_groups: dict[Element, bool] = {}
    rows: list[Row] = []
    answers: list[Answer] = []
    # Written out as one loop over flat tuples, because it visits every element of the instance.
    for element, path, template, parent in binds.model.entries:
        rule = rules[template]
        is_field, readonly, calculated, required, constraint, checked, whole, _, _, _ = rule
        on = relevant.get(element, True)
        locked = locked_groups.get(parent, False) or calculated
        if not locked:
            locked = readonly if type(readonly) is bool else truth(readonly, element, False)
        if not is_field:
            locked_groups[element] = locked
            rows.append((path, on, False, locked, "", True))
            continue
        value = element.text or ""
        if not on:
            rows.append((path, on, False, locked, value, True))
            continue
        if type(required) is not bool:
            required = truth(required, element, False)
        constraint_ok = not (value and constraint) or truth(constraint, element, True)  # type: ignore[arg-type]
        rows.append((path, on, required, locked, value, constraint_ok))
        if value:
            # Plain digits are a whole number: the commonest answer of all needs no further check.
            if (checked and not (whole and value.isdecimal())) or not constraint_ok:
                answers.append((element, path, rule, value, constraint_ok))
        elif strict and required:
            answers.append((element, path, rule, value, constraint_ok))
    return FieldStates(rows), answers
