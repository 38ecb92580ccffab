"""Historical import of case records: upload, a dry run that writes nothing, then an all-or-nothing commit.

The file waits in the instance folder (`imports/`) beside a small JSON file that says whose it is and what
was chosen: the entity list, the owning org unit, the kind of rows (one per minor or per intervention) and
the column mapping. Both the dry run and the commit are background jobs, so a large file shows a progress
bar. The commit checks the file again against today's cases and writes every row in one transaction, or
none: a single bad row, or a case created meanwhile with the same person, stops it with nothing written.

Rows about a minor who already has a case are reported by the dry run and skipped by the commit: an import
never makes a second case for the same person (same pseudonymous key).
"""

import json
import secrets
import uuid
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select

from app import audit
from app.cases.entities import add_properties
from app.cases.interventions import InterventionReport, upsert_intervention
from app.cases.pages import keep_scope
from app.extensions import db
from app.i18n import N_
from app.jobs import JobContext, JobError, enqueue, task
from app.models import Entity, EntityList, EntityVersion, Job, OrgUnit, User, utcnow
from app.scoping import org_unit_condition
from forms.entity_import import (
    SPECS,
    ImportFileError,
    ImportPlan,
    ImportRecord,
    Table,
    plan_import,
    read_table,
    suggest_mapping,
)
from forms.identity import encrypt_identity

__all__ = ["ImportState", "commit_job", "dry_run_job", "load_state", "save_upload"]

FOLDER = "imports"
EXTENSIONS = (".csv", ".xlsx")
MAX_PROBLEMS_SHOWN = 500
BATCH = 500

ImportState = dict[str, Any]


def _folder() -> Path:
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(
    user: User, data: bytes, filename: str, kind: str, entity_list: EntityList, unit: OrgUnit
) -> str:
    """Keep an uploaded file for its import and return the import's id (random, and checked against the
    user on every step)."""
    extension = Path(filename).suffix.lower()
    import_id = secrets.token_urlsafe(16)
    (_folder() / f"{import_id}{extension}").write_bytes(data)
    state = {
        "id": import_id,
        "user_id": user.id,
        "filename": Path(filename).name[:200],
        "extension": extension,
        "kind": kind,
        "entity_list_id": entity_list.id,
        "org_unit_id": unit.id,
        "mapping": None,
        "report": None,
        "check_job": None,
        "commit_job": None,
        "committed": None,
    }
    _save(state)
    return import_id


def load_state(user: User, import_id: str) -> ImportState | None:
    """The import's state if it is the user's own; None otherwise (the caller answers 404)."""
    if not import_id.replace("-", "").replace("_", "").isalnum():
        return None
    path = _folder() / f"{import_id}.json"
    if not path.is_file():
        return None
    state = json.loads(path.read_text())
    return state if state.get("user_id") == user.id else None


def _save(state: ImportState) -> None:
    path = _folder() / f"{state['id']}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False))
    temporary.replace(path)


def dry_run_job(user: User, state: ImportState, mapping: dict[str, str] | None) -> Job:
    state["mapping"], state["report"], state["commit_job"] = mapping, None, None
    job = enqueue("cases.import_check", {"import_id": state["id"]}, user)
    state["check_job"] = job.id
    _save(state)
    return job


def commit_job(user: User, state: ImportState) -> Job:
    job = enqueue("cases.import_commit", {"import_id": state["id"]}, user)
    state["commit_job"] = job.id
    _save(state)
    return job


@task("cases.import_check", title=N_("Check of an import of case records"))
def run_dry_run(ctx: JobContext) -> None:
    """Read the file, guess the mapping if none was chosen, and check every row; nothing is written."""
    user, state, entity_list, unit = _context(ctx)
    table = _table(state)
    mapping = state["mapping"] or suggest_mapping(table.columns, state["kind"])
    ctx.progress(0, len(table.rows))
    plan = _plan(user, state, entity_list, unit, table, mapping)
    ctx.progress(len(table.rows), len(table.rows))
    state["mapping"], state["columns"] = mapping, list(table.columns)
    state["report"] = _report(plan, len(table.rows))
    _save(state)


@task("cases.import_commit", title=N_("Import of case records"))
def run_commit(ctx: JobContext) -> None:
    """Check the file again and write all of its rows in one transaction, or none of them."""
    user, state, entity_list, unit = _context(ctx)
    if state.get("committed"):
        raise JobError(_("This file has already been imported."))
    table = _table(state)
    plan = _plan(user, state, entity_list, unit, table, state["mapping"] or {})
    if not plan.ok:
        raise JobError(_("The file changed or new cases arrived since the check: check it again."))
    ctx.progress(0, len(plan.records))
    try:
        written = _write(ctx, user, plan, entity_list, unit)
        audit.record(
            "cases.imported",
            entity_list,
            org_unit_id=unit.id,
            actor=user,
            kind=plan.kind,
            rows=len(table.rows),
            written=written,
            skipped=len(plan.existing),
            filename=state["filename"],
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    state["committed"] = {"written": written, "skipped": len(plan.existing), "at": utcnow().isoformat()}
    _save(state)
    (_folder() / f"{state['id']}{state['extension']}").unlink(missing_ok=True)


def _context(ctx: JobContext) -> tuple[User, ImportState, EntityList, OrgUnit]:
    user = db.session.get(User, ctx.job.user_id)
    state = load_state(user, ctx.params["import_id"]) if user is not None else None
    if user is None or state is None:
        raise JobError(_("This import is gone: upload the file again."))
    entity_list = db.session.get(EntityList, state["entity_list_id"])
    unit = db.session.get(OrgUnit, state["org_unit_id"])
    if (
        entity_list is None
        or unit is None
        or not keep_scope(user, entity_list.project_id).covers_path(unit.path)
    ):
        raise JobError(_("You can no longer import cases into this org unit."))
    return user, state, entity_list, unit


def _table(state: ImportState) -> Table:
    path = _folder() / f"{state['id']}{state['extension']}"
    if not path.is_file():
        raise JobError(_("The uploaded file is gone: upload it again."))
    try:
        return read_table(path.read_bytes(), state["filename"])
    except ImportFileError as error:
        raise JobError(error.message(_language())) from None


def _language() -> str:
    return str(get_locale() or "it")


def _plan(
    user: User,
    state: ImportState,
    entity_list: EntityList,
    unit: OrgUnit,
    table: Table,
    mapping: dict[str, str],
) -> ImportPlan:
    key = current_app.config["PSEUDONYM_KEY"].encode()
    existing = set(
        db.session.scalars(
            select(Entity.pseudonym).where(
                Entity.entity_list_id == entity_list.id, Entity.pseudonym.is_not(None)
            )
        )
    )
    known: dict[str, str] = {}
    if state["kind"] == "interventi":
        scope = keep_scope(user, entity_list.project_id)
        rows = db.session.execute(
            select(Entity.uuid, Entity.pseudonym, Entity.properties).where(
                Entity.entity_list_id == entity_list.id,
                Entity.deleted_at.is_(None),
                org_unit_condition(scope, Entity.org_unit_id),
            )
        )
        for case_uuid, pseudonym, properties in rows:
            if pseudonym:
                known[pseudonym] = case_uuid
            if (properties or {}).get("codice"):
                known[properties["codice"]] = case_uuid
    return plan_import(table, SPECS[state["kind"]], mapping, key, existing=existing, known_cases=known)


def _report(plan: ImportPlan, rows: int) -> dict[str, Any]:
    """What the dry-run page shows: counts, the problems (both languages), the duplicates."""
    return {
        "rows": rows,
        "valid": len(plan.records),
        "ok": plan.ok,
        "problem_count": len(plan.problems),
        "problems": [
            {"row": p.row, "column": p.column, "it": p.message("it"), "en": p.message("en")}
            for p in plan.problems[:MAX_PROBLEMS_SHOWN]
        ],
        "duplicates": [asdict(d) for d in plan.duplicates[:MAX_PROBLEMS_SHOWN]],
        "existing": len(plan.existing),
    }


def _write(ctx: JobContext, user: User, plan: ImportPlan, entity_list: EntityList, unit: OrgUnit) -> int:
    if plan.kind == "minori":
        return _write_minors(ctx, user, plan, entity_list, unit)
    return _write_interventions(ctx, user, plan, entity_list)


def _write_minors(
    ctx: JobContext, user: User, plan: ImportPlan, entity_list: EntityList, unit: OrgUnit
) -> int:
    keys = list(current_app.config["IDENTITY_KEYS"])
    skipped = {duplicate.row for duplicate in plan.existing}
    records = [record for record in plan.records if record.row not in skipped]
    now = utcnow()
    for start in range(0, len(records), BATCH):
        batch = records[start : start + BATCH]
        entities = [
            {
                "entity_list_id": entity_list.id,
                "uuid": str(uuid.uuid4()),
                "label": record.label[:255],
                "version": 1,
                "properties": record.properties,
                "org_unit_id": unit.id,
                "pseudonym": record.pseudonym,
                "identity": encrypt_identity(keys, record.identity) if record.identity else None,
                "created_at": now,
                "updated_at": now,
            }
            for record in batch
        ]
        ids = db.session.scalars(
            insert(Entity.__table__).returning(Entity.__table__.c.id, sort_by_parameter_order=True), entities
        ).all()
        db.session.execute(
            insert(EntityVersion.__table__),
            [
                {
                    "entity_id": entity_id,
                    "version": 1,
                    "label": record.label[:255],
                    "properties": record.properties,
                    "received": record.properties,
                    "source": "import",
                    "conflicting_properties": [],
                    "created_by_id": user.id,
                    "created_at": now,
                }
                for entity_id, record in zip(ids, batch, strict=True)
            ],
        )
        for record in batch:
            add_properties(entity_list, record.properties)
        ctx.progress(start + len(batch), len(records))
    return len(records)


def _write_interventions(ctx: JobContext, user: User, plan: ImportPlan, entity_list: EntityList) -> int:
    cases = {
        row.uuid: row
        for row in db.session.scalars(
            select(Entity).where(
                Entity.entity_list_id == entity_list.id,
                Entity.uuid.in_({record.case_id for record in plan.records if record.case_id}),
            )
        )
    }
    for done, record in enumerate(plan.records, 1):
        case = cases.get(record.case_id or "")
        if case is None:
            raise JobError(_("Row %(row)d names a case that is gone: check the file again.", row=record.row))
        upsert_intervention(case, _intervention(record), None, "import")
        if done % BATCH == 0:
            db.session.flush()
            ctx.progress(done, len(plan.records))
    return len(plan.records)


def _intervention(record: ImportRecord) -> InterventionReport:
    values = record.properties
    end = values.get("data_fine_intervento")
    return InterventionReport(
        kind=values["tipo_intervento"],
        start_date=date.fromisoformat(values["data_inizio_intervento"]),
        provider_type=values.get("tipo_erogatore", ""),
        provider_name=values.get("ente_erogatore", ""),
        end_date=date.fromisoformat(end) if end else None,
        status=values.get("stato_intervento", ""),
    )
