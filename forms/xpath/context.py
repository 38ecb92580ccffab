"""What an expression is evaluated against: the instance, the context node, secondary data and the clock."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from forms.xpath.nodes import TreeIndex

# (value, path of the select question) -> label in the current language, for jr:choice-name
ChoiceLabels = Callable[[str, str], str] | Mapping[str, Mapping[str, str]]

# The generator random() and randomize() draw from unless a context is given its own. Seeding a new one
# from the OS takes longer than a whole evaluation, so contexts share this one, seeded from the OS when
# the module loads and again in each forked worker (as the random module does with its own).
SHARED_RANDOM = random.Random()  # noqa: S311 - random() in a form is not for secrets
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=SHARED_RANDOM.seed)


@dataclass
class EvalContext:
    """The dynamic context of an evaluation.

    `root` is the primary instance's top element (`<data>`), `node` the context node (the field a
    bind belongs to; defaults to `root`) and `current` the node current() returns (defaults to
    `node`). `instances` maps secondary instance ids to their `<root>` element (or the `<instance>`
    element around it). `choice_labels` is a callback `(value, select_path) -> label` or a mapping
    `select_path -> {value: label}`. `pulldata` maps a CSV name to its rows.

    The context caches the trees' parent links (`trees`); use `at()` to move to another node and
    keep the cache. The cache notices added and removed nodes by itself.
    """

    root: Element
    node: Element | None = None
    instances: Mapping[str, Element] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    choice_labels: ChoiceLabels | None = None
    pulldata: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)
    language: str = ""
    current: Element | None = None
    rng: random.Random = field(default_factory=lambda: SHARED_RANDOM, repr=False)
    trees: TreeIndex = field(default_factory=TreeIndex, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("EvalContext.now must be timezone-aware: today() depends on the zone")

    @property
    def context_node(self) -> Element:
        return self.root if self.node is None else self.node

    @property
    def current_node(self) -> Element:
        return self.context_node if self.current is None else self.current

    def at(self, node: Element, current: Element | None = None) -> EvalContext:
        """The same context moved to another node, sharing the tree cache."""
        # dataclasses.replace(self, node=node, current=current), spelt out: pages and checks call it for
        # every question, and replace() looks every field up by name first.
        return EvalContext(
            self.root,
            node,
            self.instances,
            self.now,
            self.choice_labels,
            self.pulldata,
            self.language,
            current,
            self.rng,
            self.trees,
        )
