"""The services registry served to forms as the CSV dataset servizi.csv, holding the services a user may see.

A form picks a registered service with `select_one_from_file servizi.csv` (value: `name`, the service code;
label: `label`; see app/registry/rules.py DATASET_COLUMNS). When a version expects servizi.csv and nobody
uploaded a file under that name, nor linked an entity list to it, the registry fills it: the active services
registered inside the user's org units in the form's project. The same rows feed the engine (the web page,
the API and ODK submissions, so a code outside them is refused) and ODK Collect's manifest, which lists the
user's own file with its md5, so the device downloads it again only when it changed.

This module imports nothing from app.surveys or app.openrosa, which call it.
"""

import hashlib
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import FormVersion, Service, User
from app.registry.rules import dataset_csv, dataset_row
from app.scoping import org_unit_condition, user_scope

SERVICES_FILE = "servizi.csv"


@dataclass
class RegistryFile:
    """servizi.csv as one user sees it: rows for the engine, the file and its md5."""

    rows: list[dict[str, str]]

    @cached_property
    def csv(self) -> bytes:
        return dataset_csv(self.rows)

    @cached_property
    def md5(self) -> str:
        return hashlib.md5(self.csv, usedforsecurity=False).hexdigest()


def reads_registry(version: FormVersion) -> bool:
    """Whether the version expects servizi.csv and nothing else fills it (an upload, an entity list)."""
    return any(
        a.name == SERVICES_FILE and a.md5 is None and a.entity_list_id is None for a in version.attachments
    )


def service_rows(user: User, project_id: int | None = None) -> list[dict[str, str]]:
    """The active services inside the user's org units (of `project_id`'s assignments, when given), by name,
    as rows of servizi.csv."""
    query = (
        select(Service)
        .where(
            Service.active.is_(True),
            org_unit_condition(user_scope(user, project_id=project_id), Service.org_unit_id),
        )
        .options(joinedload(Service.org_unit))
        .order_by(Service.name, Service.code)
    )
    return [
        dataset_row(service.code, service.name, service.kind, service.org_unit.code, service.provider_type)
        for service in db.session.scalars(query)
    ]


def registry_files(user: User, version: FormVersion) -> dict[str, RegistryFile]:
    """servizi.csv for this user, keyed by its name, when the version reads it from the registry."""
    if not reads_registry(version):
        return {}
    return {SERVICES_FILE: RegistryFile(service_rows(user, version.form.project_id))}


def registry_datasets(user: User, version: FormVersion) -> dict[str, list[dict[str, str]]]:
    """The rows of servizi.csv for the engine, when the version reads it from the registry."""
    return {name: found.rows for name, found in registry_files(user, version).items()}
