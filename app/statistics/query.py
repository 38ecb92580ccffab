"""What a statistics page, export or API call asks for, read from the query string and written back to it.

The same query string drives the page, its CSV and XLSX downloads, the printable report and the API, so
that all of them give the same protected table. Values that make no sense are dropped with a message (in
the reader's language); what each source can break down by is checked later, against the source.
"""

from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

SOURCES = ("cases", "form")
COUNTS = ("cases", "interventions")
UNITS = ("quarter", "semester", "year")
TERRITORY = ("regione", "provincia", "zona", "ambito", "comune")
MAX_BREAKDOWNS = 3
MAX_TEXT = 255
PERS = (100, 1000)
MAX_CONDITIONS = 20

Condition = tuple[str, str]  # (field, one of its choices): `provv_ag:si` in the query string


@dataclass(frozen=True)
class StatQuery:
    """A table asked for: its source, up to three breakdowns, filters, disclosure rule and derived figures."""

    source: str = "cases"
    count: str = "cases"  # cases source: count each case once, or each intervention
    form_id: int | None = None  # form source: the form whose submissions are counted
    by: tuple[str, ...] = ("ambito",)
    unit: str = "year"  # of the period breakdown
    date_from: date | None = None
    date_to: date | None = None
    service: str = ""  # cases source: only cases (interventions) of this type of intervention
    area: str = ""  # only the rows of this unit (its code) or zone ("zona:<code>"), inside the reader's scope
    sensitive: bool = False  # the stricter threshold, asked for (some tables get it whatever is asked)
    percent: str = ""  # "", "total" (of the grand total) or a breakdown (of the total along it)
    rates: bool = False  # per 1,000 minors, where population figures are loaded
    date_field: str = ""  # form source: the date field dating a submission ("": when it was received)
    measure: str = ""  # form source: "" counts submissions, else the integer field summed
    # An indicator: the records meeting `numerator` over those meeting `denominator` (all when empty), per
    # 100 or 1,000. Conditions on one field are alternatives, conditions on different fields all apply.
    numerator: tuple[Condition, ...] = ()
    denominator: tuple[Condition, ...] = ()
    per: int = 100
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def territory(self) -> str | None:
        """The territorial breakdown, if any (one at most)."""
        return next((name for name in self.by if name in TERRITORY), None)

    def to_args(self) -> dict[str, str]:
        """The query string of this query, for `url_for`: only what differs from the defaults."""
        args = {
            "source": self.source,
            "count": self.count if self.source == "cases" else "",
            "form": str(self.form_id) if self.form_id is not None and self.source == "form" else "",
            "by": ",".join(self.by),
            "unit": self.unit,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "service": self.service,
            "area": self.area,
            "sensitive": "1" if self.sensitive else "",
            "percent": self.percent,
            "rates": "1" if self.rates else "",
            "date_field": self.date_field,
            "measure": self.measure,
            "num": _conditions_text(self.numerator),
            "den": _conditions_text(self.denominator),
            "per": str(self.per) if self.numerator and self.per != 100 else "",
        }
        return {name: value for name, value in args.items() if value}


def query_from_args(args: MultiDict[str, str], default_source: str = "cases") -> StatQuery:
    """The query a query string asks for (see `StatQuery.to_args`); bad values left out, with a message."""
    problems: list[str] = []
    source = _choice(args.get("source", ""), SOURCES, default_source)
    by = _breakdowns(args, problems)
    query = StatQuery(
        source=source,
        count=_choice(args.get("count", ""), COUNTS, "cases"),
        form_id=_form_id(args.get("form", ""), problems),
        by=by,
        unit=_choice(args.get("unit", ""), UNITS, "year"),
        date_from=_date(args.get("from", ""), problems),
        date_to=_date(args.get("to", ""), problems),
        service=args.get("service", "")[:64].strip(),
        area=args.get("area", "")[:80].strip(),
        sensitive=_flag(args.get("sensitive", "")),
        percent=args.get("percent", "")[:MAX_TEXT].strip(),
        rates=_flag(args.get("rates", "")),
        date_field=args.get("date_field", "")[:MAX_TEXT].strip(),
        measure=args.get("measure", "")[:MAX_TEXT].strip(),
        numerator=_conditions(args, "num"),
        denominator=_conditions(args, "den"),
        per=_per(args.get("per", ""), problems),
    )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        problems.append(_("The period starts after it ends: the dates were swapped."))
        query = replace(query, date_from=query.date_to, date_to=query.date_from)
    if query.denominator and not query.numerator:
        problems.append(_("An indicator needs a numerator: the denominator alone was ignored."))
        query = replace(query, denominator=())
    if query.percent and query.percent != "total" and query.percent not in query.by:
        problems.append(_("Percentages are worked out along one of the breakdowns of the table."))
        query = replace(query, percent="")
    return replace(query, problems=tuple(problems))


def _choice(value: str, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "on", "yes")


def _breakdowns(args: MultiDict[str, str], problems: list[str]) -> tuple[str, ...]:
    """`by=ambito,sesso` or `by=ambito&by=sesso`, in order, without repeats or empty ones; one territory."""
    found: list[str] = []
    for value in args.getlist("by"):
        for name in value.split(","):
            name = name.strip()[:MAX_TEXT]
            if name and name not in found:
                found.append(name)
    territorial = [name for name in found if name in TERRITORY]
    if len(territorial) > 1:
        problems.append(_("A table has one territorial breakdown: the first one asked for was kept."))
        found = [name for name in found if name not in territorial[1:]]
    if len(found) > MAX_BREAKDOWNS:
        problems.append(_("A table has at most three breakdowns: the first three were kept."))
        found = found[:MAX_BREAKDOWNS]
    return tuple(found)


def _conditions(args: MultiDict[str, str], name: str) -> tuple[Condition, ...]:
    """`num=provv_ag:si,provv_ag:parz` or `num=provv_ag:si&num=provv_ag:parz`, in order, without repeats."""
    found: list[Condition] = []
    for value in args.getlist(name):
        for text in value.split(","):
            field_name, _sep, choice = text.strip()[:MAX_TEXT].partition(":")
            condition = (field_name.strip(), choice.strip())
            if condition[0] and condition not in found:
                found.append(condition)
    return tuple(found[:MAX_CONDITIONS])


def _conditions_text(conditions: tuple[Condition, ...]) -> str:
    return ",".join(f"{field_name}:{choice}" for field_name, choice in conditions)


def _per(value: str, problems: list[str]) -> int:
    value = value.strip()
    if not value:
        return 100
    if value.isascii() and value.isdigit() and int(value) in PERS:  # "²".isdigit(), but int("²") fails
        return int(value)
    problems.append(_("An indicator is given per 100 or per 1,000: per 100 was used."))
    return 100


def _form_id(value: str, problems: list[str]) -> int | None:
    if not value:
        return None
    if value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    problems.append(_("Unknown form: choose one from the list."))
    return None


def _date(value: str, problems: list[str]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(_("%(value)s is not a date (YYYY-MM-DD): that limit was ignored.", value=value[:20]))
        return None
