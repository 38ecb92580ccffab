"""The API token's owner read together with one more statement (owner_for_token_with): the submissions API
reads the token and the form in one round trip, and must get the same owner and rows as two reads would."""

from sqlalchemy import bindparam, select

from app import accounts
from app.auth.tokens import issue_token, owner_for_token, owner_for_token_with, revoke_token
from app.extensions import db
from app.models import ApiToken, OrgUnit, User

_UNITS = OrgUnit.__table__
ALONG = select(_UNITS.c.code).where(_UNITS.c.kind == bindparam("kind")).order_by(_UNITS.c.code)


def _token(app, make_user, territory) -> str:
    """An operator with two role assignments (so the owner's rows repeat once per row read along)."""
    user = make_user("op@example.org", "operator", territory.ambito_bari)
    with app.app_context():
        row = db.session.get(User, user.id)
        accounts.grant_role(row, "viewer", db.session.get(OrgUnit, territory.ambito_lecce.id))
        _row, plain = issue_token(row, "test")
        db.session.commit()
        return plain


def test_the_owner_and_the_rows_read_along_are_those_of_two_separate_reads(app, make_user, territory):
    plain = _token(app, make_user, territory)
    with app.app_context():
        alone = owner_for_token(plain)
        owner, rows = owner_for_token_with(plain, ALONG, {"kind": "comune"})
        separately = db.session.execute(ALONG, {"kind": "comune"}).all()

    assert owner == alone
    assert sorted((g.role, g.org_unit.code) for g in owner.assignments) == [
        ("operator", "ATS-BA1"),
        ("viewer", "ATS-LE1"),
    ]
    assert sorted(rows) == sorted(tuple(row) for row in separately) == [("072006",), ("075035",)]


def test_nothing_read_along_gives_no_rows_and_the_owner_still(app, make_user, territory):
    plain = _token(app, make_user, territory)
    with app.app_context():
        owner, rows = owner_for_token_with(plain, ALONG, {"kind": "no such kind"})

    assert owner is not None and len(owner.assignments) == 2
    assert rows == []


def test_an_unknown_or_revoked_token_reads_nothing_along(app, make_user, territory):
    plain = _token(app, make_user, territory)
    with app.app_context():
        assert owner_for_token_with("hms_not-a-token", ALONG, {"kind": "comune"}) == (None, [])
        revoke_token(db.session.scalars(select(ApiToken)).one())
        db.session.commit()
        assert owner_for_token_with(plain, ALONG, {"kind": "comune"}) == (None, [])
