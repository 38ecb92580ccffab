"""What a page shows of an instance: labels, hints and choices, read through one index and one context."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element  # noqa: S405 - reading trees only

from forms.engine_choices import Attachments, make_context, options
from forms.engine_model import index_model
from forms.engine_plan import plan_for
from forms.engine_text import form_language, render
from forms.spec import Control, FormSpec, Parts


class PageReader:
    """Reads one instance for a page. Indexing the instance and building the evaluation context cost more
    than any single label, so a page builds them once here rather than once per question."""

    def __init__(
        self,
        spec: FormSpec,
        root: Element,
        *,
        language: str | None = None,
        now: datetime | None = None,
        attachments: Attachments | None = None,
    ) -> None:
        plan = plan_for(spec)
        self.spec, self.language = spec, language
        self.model = index_model(plan.shape, root)
        self.context = make_context(
            spec, plan, root, now=now or datetime.now(UTC), language=language, attachments=attachments
        )

    def label(self, control: Control, node_path: str) -> str:
        """A control's label with each `<output value=...>` filled in at `node_path`."""
        return self._render(self.spec.label(control, form_language(self.spec, self.language)), node_path)

    def hint(self, control: Control, node_path: str) -> str:
        """A control's hint, filled in like `label`; '' when it has none."""
        return self._render(self.spec.hint(control, form_language(self.spec, self.language)), node_path)

    def choices(self, field_path: str) -> list[tuple[str, str]]:
        """The (value, label) pairs a select offers at `field_path`, its choice_filter applied there."""
        element = self.model.locate(field_path)
        control = self.spec.control(self.model.template_paths[element])
        if control is None:
            return []
        return options(self.spec, control, element, self.context) or []

    def _render(self, parts: Parts, node_path: str) -> str:
        element = self.model.locate(node_path)
        return render(parts, self.context.at(element, current=element)).strip()


def render_label(
    spec: FormSpec,
    control: Control,
    root: Element,
    node_path: str,
    language: str | None = None,
    *,
    now: datetime | None = None,
    attachments: Attachments | None = None,
) -> str:
    """A control's label in `language` with each `<output value=...>` filled in at `node_path`."""
    return PageReader(spec, root, language=language, now=now, attachments=attachments).label(
        control, node_path
    )


def render_hint(
    spec: FormSpec,
    control: Control,
    root: Element,
    node_path: str,
    language: str | None = None,
    *,
    now: datetime | None = None,
    attachments: Attachments | None = None,
) -> str:
    """A control's hint, filled in like `render_label`; '' when it has none."""
    return PageReader(spec, root, language=language, now=now, attachments=attachments).hint(
        control, node_path
    )
