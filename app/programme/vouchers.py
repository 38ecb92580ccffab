"""Family vouchers: the types a project funds, assigning one to a case or a household, spending from it and
closing it. The rules (eligibility, statuses, what may be spent) are analysis.programme_vouchers'.

Assigning and spending lock the row they check (the type's quota, the voucher's balance) so that two
people working at once cannot give out more vouchers than funded or spend more than a voucher holds.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from analysis.programme import ProgrammeError
from analysis.programme_vouchers import (
    ASSIGNED,
    Facts,
    Spending,
    check_facts,
    check_rules,
    check_spending,
    check_transition,
    effective_status,
    eligibility_problems,
    expiry,
    vouchers_left,
)
from app import audit
from app.extensions import db
from app.models import (
    Entity,
    OrgUnit,
    User,
    VoucherAssignment,
    VoucherSpending,
    VoucherStatusChange,
    VoucherType,
)
from app.programme.plan import PlanError, refused
from app.scoping import Scope, org_unit_condition


@dataclass(frozen=True)
class TypeInput:
    name: str
    level: str
    amount_cents: int
    quantity: int
    activity_id: int | None
    rules: list[str]
    isee_max: int | None
    months_valid: int | None
    description: str


@dataclass(frozen=True)
class AssignInput:
    voucher_type: VoucherType
    entity: Entity | None
    household: str
    org_unit: OrgUnit
    assigned_on: date
    facts: Facts


def types_of(project_id: int) -> list[VoucherType]:
    query = select(VoucherType).where(VoucherType.project_id == project_id).order_by(VoucherType.amount_cents)
    return list(db.session.scalars(query))


def left_of(voucher_type: VoucherType, today: date) -> int:
    """How many vouchers of the type can still be assigned, programme-wide."""
    spent = (
        select(func.coalesce(func.sum(VoucherSpending.amount_cents), 0))
        .where(VoucherSpending.assignment_id == VoucherAssignment.id)
        .scalar_subquery()
    )
    query = select(VoucherAssignment.status, VoucherAssignment.expires_on, spent).where(
        VoucherAssignment.voucher_type_id == voucher_type.id
    )
    rows = db.session.execute(query)
    return vouchers_left(voucher_type.quantity, ((effective_status(s, e, today), c) for s, e, c in rows))


def create_type(user: User, project_id: int, values: TypeInput) -> VoucherType:
    found = VoucherType(project_id=project_id, **_checked_type(values))
    db.session.add(found)
    _flush_name(values.name)
    audit.record("programme.voucher_type_created", found, actor=user, name=values.name)
    db.session.commit()
    return found


def update_type(user: User, voucher_type: VoucherType, values: TypeInput, today: date) -> None:
    used = voucher_type.quantity - left_of(voucher_type, today)
    if values.quantity < used:
        raise PlanError(
            _(
                "%(used)d vouchers of this type are already given out: the quantity cannot be lower.",
                used=used,
            )
        )
    for name, value in _checked_type(values).items():
        setattr(voucher_type, name, value)
    _flush_name(values.name)
    audit.record("programme.voucher_type_updated", voucher_type, actor=user, name=values.name)
    db.session.commit()


def _checked_type(values: TypeInput) -> dict[str, object]:
    # The name labels a row of the protected tables, next to their total and the activities' labels.
    if values.name.casefold() in {"totale", "total"} or "·" in values.name:
        raise PlanError(_("Choose another name for the voucher type."))
    try:
        rules = check_rules(values.rules)
    except ProgrammeError as error:
        raise refused(error) from None
    return {**vars(values), "rules": rules}


def _flush_name(name: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PlanError(_("Another voucher type already has the name %(name)s.", name=name)) from None


def register(found: Scope, project_id: int) -> list[VoucherAssignment]:
    """The project's voucher assignments inside a (keep-cases) scope, newest first."""
    query = (
        select(VoucherAssignment)
        .join(VoucherType, VoucherType.id == VoucherAssignment.voucher_type_id)
        .where(VoucherType.project_id == project_id, org_unit_condition(found, VoucherAssignment.org_unit_id))
        .order_by(VoucherAssignment.assigned_on.desc(), VoucherAssignment.id.desc())
    )
    return list(db.session.scalars(query))


def assign(user: User, values: AssignInput, today: date) -> VoucherAssignment:
    """Give a voucher to an eligible case or household while the type has vouchers left."""
    vtype = values.voucher_type
    _check_assignment(values, today)
    # Lock the type: the quota is counted and used in one transaction.
    db.session.execute(select(VoucherType.id).where(VoucherType.id == vtype.id).with_for_update())
    if left_of(vtype, today) <= 0:
        raise PlanError(_("No voucher of the type %(name)s is left to assign.", name=vtype.name))
    voucher = VoucherAssignment(
        voucher_type_id=vtype.id,
        entity_id=values.entity.id if values.entity else None,
        household=values.household,
        org_unit_id=values.org_unit.id,
        status=ASSIGNED,
        assigned_on=values.assigned_on,
        expires_on=expiry(values.assigned_on, vtype.months_valid),
        facts=values.facts.as_dict(),
        created_by_id=user.id,
    )
    voucher.changes.append(VoucherStatusChange(status=ASSIGNED, on=values.assigned_on, actor_id=user.id))
    db.session.add(voucher)
    audit.record(
        "programme.voucher_assigned", voucher, org_unit_id=voucher.org_unit_id, actor=user, type=vtype.id
    )
    db.session.commit()
    return voucher


def _check_assignment(values: AssignInput, today: date) -> None:
    if values.entity is None and not values.household:
        raise PlanError(_("Give the code of a case or of a household."))
    if values.entity is not None and values.household:
        raise PlanError(_("Give either a case or a household, not both."))
    if values.assigned_on > today:
        raise PlanError(_("The assignment date cannot be in the future."))
    last_day = expiry(values.assigned_on, values.voucher_type.months_valid)
    if last_day is not None and last_day < today:
        raise PlanError(
            _("A voucher assigned on that date would already have expired (%(day)s).", day=last_day)
        )
    try:
        facts = check_facts(values.facts)
    except ProgrammeError as error:
        raise refused(error) from None
    problems = eligibility_problems(values.voucher_type.rules, facts, values.voucher_type.isee_max)
    if problems:
        raise PlanError(" ".join(str(refused(p)) for p in problems))


def record_spending(
    user: User, voucher: VoucherAssignment, on: date, cents: int, description: str, today: date
) -> VoucherSpending:
    """Spend from a voucher; it becomes in use, or spent when nothing is left."""
    db.session.execute(
        select(VoucherAssignment.id).where(VoucherAssignment.id == voucher.id).with_for_update()
    )
    db.session.refresh(voucher)
    spent = [Spending(s.spent_on, s.amount_cents) for s in voucher.spendings]
    try:
        status = check_spending(
            voucher.status,
            voucher.voucher_type.amount_cents,
            spent,
            Spending(on, cents),
            voucher.assigned_on,
            voucher.expires_on,
            today,
        )
    except ProgrammeError as error:
        raise refused(error) from None
    spending = VoucherSpending(
        spent_on=on, amount_cents=cents, description=description, created_by_id=user.id
    )
    voucher.spendings.append(spending)
    if status != voucher.status:
        voucher.status = status
        voucher.changes.append(VoucherStatusChange(status=status, on=on, actor_id=user.id))
    audit.record(
        "programme.voucher_spending",
        voucher,
        org_unit_id=voucher.org_unit_id,
        actor=user,
        cents=cents,
        status=status,
    )
    db.session.commit()
    return spending


def change_status(
    user: User, voucher: VoucherAssignment, status: str, on: date, note: str, today: date
) -> None:
    """Put a voucher in use, close it as spent or as expired, by hand."""
    last = max((c.on for c in voucher.changes), default=voucher.assigned_on)
    current = effective_status(voucher.status, voucher.expires_on, today)
    try:
        check_transition(current, status)
    except ProgrammeError as error:
        raise refused(error) from None
    if on < last or on > today:
        raise PlanError(
            _("The date must fall between the last change (%(last)s) and today.", last=last.isoformat())
        )
    voucher.status = status
    voucher.changes.append(VoucherStatusChange(status=status, on=on, note=note, actor_id=user.id))
    audit.record(
        "programme.voucher_status", voucher, org_unit_id=voucher.org_unit_id, actor=user, status=status
    )
    db.session.commit()


def spent_cents(voucher: VoucherAssignment) -> int:
    return sum(s.amount_cents for s in voucher.spendings)
