"""ODK entities in a submission: the create or update it asks for, read from `meta/entity` and saveto binds.

Follows the ODK XForms entities specification, 2024.1.0 (what pyxform 4.5 writes for an `entities` sheet
with one top-level entity):
- `<meta><entity dataset="minori" id="…" create="1" update="…" baseVersion="…" trunkVersion="…"
  branchId="…"><label>…</label></entity></meta>`. Only "1" and "true" mean yes for create and update; a
  form computes them from create_if / update_if. The id is a version 4 UUID (an optional "uuid:" prefix is
  dropped, the rest lower-cased). baseVersion is the entity version the form saw in its entity list CSV;
  trunkVersion and branchId come from ODK Collect when it changed the entity offline.
- A field with `entities:saveto="p"` gives property p. An answer left empty sends "" (it clears p); a
  question that is not relevant sends nothing (p keeps its value), as JavaRosa leaves non-relevant nodes
  out of what it submits.

The engine does not yet evaluate binds on attributes (`/data/meta/entity/@create` and the rest), so
`with_entity_attributes` computes them after validation. It recomputes create, update and id, but keeps a
submitted baseVersion, trunkVersion and branchId: they record what the client saw, and computing them
again from today's entity list would hide every conflict.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element  # noqa: S405 - reading and copying trees only

from forms.engine_binds import FieldState, stored_text
from forms.engine_choices import Attachments, make_context
from forms.engine_plan import plan_for
from forms.errors import CodedError
from forms.spec import FormSpec
from forms.xpath import XPathError, compile_expression

__all__ = [
    "EntityAction",
    "EntityError",
    "check_entity_form",
    "entity_action",
    "saveto_properties",
    "with_entity_attributes",
]

SUPPORTED_VERSIONS = ("2022.1", "2023.1", "2024.1")
TRUE_VALUES = frozenset({"1", "true"})
# Attributes the client fills from what it saw; the server never recomputes them over a submitted value.
CLIENT_ATTRIBUTES = frozenset({"baseVersion", "trunkVersion", "branchId"})
_UUID = re.compile(r"^(?:uuid:)?([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$", re.I)
_INTEGER = re.compile(r"^\d+$")

# code -> (English, Italian), str.format templates over the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "bad_id": (
        "The entity id '{value}' is not a version 4 UUID.",
        "L'identificativo dell'entità '{value}' non è un UUID versione 4.",
    ),
    "bad_version": (
        "The entity {attribute} '{value}' is not a whole number.",
        "Il valore {attribute} '{value}' dell'entità non è un numero intero.",
    ),
    "bad_branch": (
        "The entity branchId '{value}' is not a version 4 UUID.",
        "Il branchId '{value}' dell'entità non è un UUID versione 4.",
    ),
    "trunk_without_branch": (
        "The entity has a trunkVersion but no branchId.",
        "L'entità ha un trunkVersion ma nessun branchId.",
    ),
    "wrong_dataset": (
        "The submission names the entity list '{value}', but the form writes to '{dataset}'.",
        "L'invio indica la lista di entità '{value}', ma il modulo scrive in '{dataset}'.",
    ),
    "no_declaration": (
        "The submission has no entity declaration (meta/entity), which this form requires.",
        "L'invio non contiene la dichiarazione dell'entità (meta/entity) richiesta da questo modulo.",
    ),
    "unsupported_form": (
        "{detail}: Humus handles one entity per form, declared at the top level (entities up to "
        "{supported}).",
        "{detail_it}: Humus gestisce un'entità per modulo, dichiarata al primo livello (entities fino alla "
        "{supported}).",
    ),
    "expression": (
        "The entity's '{attribute}' cannot be computed: {detail}",
        "Il valore '{attribute}' dell'entità non può essere calcolato: {detail}",
    ),
    "exists": (
        "The entity {entity_id} already exists in '{dataset}': a form can create it only once.",
        "L'entità {entity_id} esiste già in '{dataset}': un modulo può crearla una sola volta.",
    ),
    "missing": (
        "The entity {entity_id} does not exist in '{dataset}', so it cannot be updated.",
        "L'entità {entity_id} non esiste in '{dataset}', quindi non può essere aggiornata.",
    ),
    "label_missing": (
        "The new entity has no label: fill in the answers its label is made of.",
        "La nuova entità non ha un'etichetta: compilare le risposte da cui è composta.",
    ),
    "base_version_missing": (
        "The update of entity {entity_id} does not say which version it was based on (baseVersion).",
        "L'aggiornamento dell'entità {entity_id} non indica su quale versione si basa (baseVersion).",
    ),
    "version_not_found": (
        "The update of entity {entity_id} is based on version {base_version}, which it never had (it is at "
        "version {version}).",
        "L'aggiornamento dell'entità {entity_id} si basa sulla versione {base_version}, che non è mai "
        "esistita (l'entità è alla versione {version}).",
    ),
    "branch_gap": (
        "The offline update of entity {entity_id} follows an earlier offline update that has not arrived "
        "yet: send the device's earlier forms first.",
        "L'aggiornamento offline dell'entità {entity_id} segue un aggiornamento offline precedente non "
        "ancora arrivato: inviare prima i moduli precedenti del dispositivo.",
    ),
}


class EntityError(CodedError):
    """An entity action that is malformed or cannot apply; `code` names the reason, `message` explains it."""

    MESSAGES = MESSAGES


@dataclass(frozen=True)
class EntityAction:
    """What one submission asks of one entity. Both `create` and `update` may be true: the entity is then
    updated if it exists and created otherwise. `label` is None when the submission leaves it blank."""

    dataset: str
    entity_id: str
    create: bool = False
    update: bool = False
    label: str | None = None
    base_version: int | None = None
    trunk_version: int | None = None
    branch_id: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)


def saveto_properties(spec: FormSpec) -> dict[str, str]:
    """Field path -> entity property name, for every bind with `entities:saveto`, in bind order."""
    return {path: bind.saveto for path, bind in spec.binds.items() if bind.saveto}


def check_entity_form(spec: FormSpec) -> None:
    """Refuse a form whose entities this module cannot read: a newer spec version, or entities declared
    elsewhere than `meta/entity` of the instance root (2025.1.0 allows them in repeats and groups)."""
    supported = SUPPORTED_VERSIONS[-1] + ".0"
    version = spec.entity.version if spec.entity else None
    if version and not version.startswith(SUPPORTED_VERSIONS):
        raise EntityError(
            "unsupported_form",
            detail=f"The form uses entities version {version}",
            detail_it=f"Il modulo usa la versione {version} delle entità",
            supported=supported,
        )
    if spec.entity is None and saveto_properties(spec):
        raise EntityError(
            "unsupported_form",
            detail="The form saves entity properties but declares no entity in meta/entity",
            detail_it="Il modulo salva proprietà di entità ma non dichiara un'entità in meta/entity",
            supported=supported,
        )


def with_entity_attributes(
    spec: FormSpec,
    root: Element,
    *,
    now: datetime,
    attachments: Attachments | None = None,
    language: str | None = None,
) -> Element:
    """A copy of a validated `root` whose `meta/entity` attributes hold what the form's binds compute.

    create, update and id are always computed (a create that arrives without an id gets a new one, as a
    client gives it when the form opens); baseVersion, trunkVersion and branchId only when the
    submission left them empty (see the module's notes). `attachments` must hold the entity list CSV for
    an update form to find the base version."""
    work = copy.deepcopy(root)
    if spec.entity is None:
        return work
    entity = work.find(_relative(spec, spec.entity.path))
    if entity is None:
        return work
    context = make_context(spec, plan_for(spec), work, now=now, language=language, attachments=attachments)
    prefix = f"{spec.entity.path}/@"
    for path, bind in spec.binds.items():
        if not path.startswith(prefix) or not bind.calculate:
            continue
        attribute = path.removeprefix(prefix)
        if attribute in CLIENT_ATTRIBUTES and entity.get(attribute):
            continue
        try:
            value = compile_expression(bind.calculate).evaluate(context.at(entity))
        except XPathError as error:
            raise EntityError("expression", attribute=attribute, detail=str(error)) from None
        entity.set(attribute, stored_text(value, bind.type))
    if not entity.get("id", "").strip() and entity.get("create", "").strip() in TRUE_VALUES:
        # Clients set the id with a first-load setvalue (uuid()); answers sent as data arrive without one.
        entity.set("id", str(uuid.uuid4()))
    return work


def entity_action(
    spec: FormSpec, root: Element, *, fields: Mapping[str, FieldState] | None = None
) -> EntityAction | None:
    """The entity action a validated submission asks for, or None when it asks for none.

    `root` is the instance with its entity attributes computed (see `with_entity_attributes`); `fields`
    (`Evaluation.fields`) tells which saveto questions were not relevant, so that they send no property.
    Raises EntityError when the declaration is malformed."""
    if spec.entity is None:
        return None
    entity = root.find(_relative(spec, spec.entity.path))
    if entity is None:
        raise EntityError("no_declaration")
    create, update = (entity.get(name, "").strip() in TRUE_VALUES for name in ("create", "update"))
    if not (create or update):
        return None
    dataset = spec.entity.dataset
    submitted = entity.get("dataset", dataset)
    if submitted != dataset:
        raise EntityError("wrong_dataset", value=submitted, dataset=dataset)
    branch_id = _branch_id(entity.get("branchId", ""))
    trunk_version = _version(entity, "trunkVersion")
    if trunk_version is not None and branch_id is None:
        raise EntityError("trunk_without_branch")
    label = (entity.findtext("label") or "").strip()
    return EntityAction(
        dataset=dataset,
        entity_id=normalise_id(entity.get("id", "")),
        create=create,
        update=update,
        label=label or None,
        base_version=_version(entity, "baseVersion"),
        trunk_version=trunk_version,
        branch_id=branch_id,
        properties=_properties(spec, root, fields),
    )


def normalise_id(value: str) -> str:
    """A version 4 UUID in lower case, without a 'uuid:' prefix; EntityError if `value` is none."""
    match = _UUID.match(value.strip())
    if match is None:
        raise EntityError("bad_id", value=value)
    return match.group(1).lower()


def _branch_id(value: str) -> str | None:
    if not value.strip():
        return None
    match = _UUID.match(value.strip())
    if match is None:
        raise EntityError("bad_branch", value=value)
    return match.group(1).lower()


def _version(entity: Element, attribute: str) -> int | None:
    value = entity.get(attribute, "").strip()
    if not value:
        return None
    if not _INTEGER.match(value):
        raise EntityError("bad_version", attribute=attribute, value=value)
    return int(value)


def _properties(spec: FormSpec, root: Element, fields: Mapping[str, FieldState] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for path, name in saveto_properties(spec).items():
        state = fields.get(path) if fields is not None else None
        if state is not None and not state.relevant:
            continue
        element = root.find(_relative(spec, path))
        if element is not None:
            found[name] = element.text or ""
    return found


def _relative(spec: FormSpec, path: str) -> str:
    """'/data/meta/entity' as 'meta/entity', a path ElementTree finds below the instance root."""
    return path.removeprefix(f"{spec.template.path}/")
