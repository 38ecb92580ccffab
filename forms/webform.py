"""The web fill page's side of the engine: posted fields to an instance, and the instance to page widgets."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element  # noqa: S405 - building trees only; parsing goes through defusedxml

from forms import engine
from forms.spec import MULTIPLE_TYPES, FormSpec

_STEP = re.compile(r"^([^\[\]/]+)(?:\[(\d+)\])?$")
INPUT_TYPES = {
    "int": "number",
    "decimal": "number",
    "date": "date",
    "time": "time",
    "dateTime": "datetime-local",
}
# Types a browser page cannot capture: the page says so instead of pretending (ODK Collect can).
UNSUPPORTED = {"binary", "geotrace", "geoshape"}


@dataclass
class Widget:
    """One thing the fill page shows: a question, a note, a group or a repeat, with its current state."""

    kind: str  # input, textarea, select1, select, note, trigger, unsupported, group, repeat
    path: str
    label: str = ""
    hint: str = ""
    value: str = ""
    input_type: str = "text"
    step: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    readonly: bool = False
    relevant: bool = True
    errors: list[str] = field(default_factory=list)
    appearance: str = ""
    children: list["Widget"] = field(default_factory=list)
    entries: list["Widget"] = field(default_factory=list)  # a repeat's instances, each a group widget
    can_add: bool = False

    @property
    def values(self) -> set[str]:
        return set(self.value.split())


def locate(root: Element, path: str) -> Element | None:
    """The element at an instance path with 1-based positions ('/data/figli[2]/eta'), or None."""
    steps = [s for s in path.strip("/").split("/") if s]
    if not steps or _name(steps[0]) != _local(root.tag):
        return None
    node = root
    for step in steps[1:]:
        match = _STEP.match(step)
        if match is None:
            return None
        same = [c for c in node if _local(c.tag) == match.group(1)]
        index = int(match.group(2) or 1) - 1
        if index >= len(same):
            return None
        node = same[index]
    return node


def instance_from_post(
    spec: FormSpec,
    posted: Mapping[str, Sequence[str]],
    entries: Sequence[str],
    *,
    now: datetime,
    instance_id: str,
    username: str = "",
) -> Element:
    """Rebuild the instance a page holds: its repeat entries (instance paths), then every posted answer."""
    root = engine.new_instance(spec, now=now, username=username, instance_id=instance_id)
    for entry in sorted(entries, key=_entry_order):
        if locate(root, entry) is None:
            base = entry.rsplit("[", 1)[0]
            root = engine.add_repeat(spec, root, base, now=now)
    multiple = {b.path for b in spec.binds.values() if b.type in MULTIPLE_TYPES}
    for path, values in posted.items():
        element = locate(root, path)
        if element is None or len(element):
            continue
        clean = [v.strip() for v in values if v.strip()]
        element.text = " ".join(clean) if _template(path) in multiple else (clean[0] if clean else "")
    return root


def _entry_order(path: str) -> tuple[int, list[int]]:
    return path.count("/"), [int(n) for n in re.findall(r"\[(\d+)\]", path)]


def _template(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)


def _name(step: str) -> str:
    return step.split("[", 1)[0]


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]
