"""Labels and hints as a page shows them: in the chosen language, each `<output>` filled in at its node."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element  # noqa: S405 - reading trees only

from forms.engine_choices import Attachments, make_context
from forms.engine_model import index_model
from forms.engine_plan import plan_for
from forms.engine_text import form_language, render
from forms.spec import Control, FormSpec, Parts


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
    parts = spec.label(control, form_language(spec, language))
    return _render_at(spec, parts, root, node_path, language, now, attachments)


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
    parts = spec.hint(control, form_language(spec, language))
    return _render_at(spec, parts, root, node_path, language, now, attachments)


def _render_at(
    spec: FormSpec,
    parts: Parts,
    root: Element,
    node_path: str,
    language: str | None,
    now: datetime | None,
    attachments: Attachments | None,
) -> str:
    plan = plan_for(spec)
    element = index_model(plan.shape, root).locate(node_path)
    context = make_context(
        spec, plan, root, now=now or datetime.now(UTC), language=language, attachments=attachments
    )
    return render(parts, context.at(element, current=element)).strip()
