"""The error a territory file raises: every bad row, with its number and a message for the user."""

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _

from app.territory.tree import TerritoryError

MAX_REPORTED = 20

Message = str | LazyString
# (row, message): the row is 1-based with the header as row 1; None means the file as a whole.
RowError = tuple[int | None, Message]


class TerritoryFileError(TerritoryError):
    """A file that cannot be loaded: up to MAX_REPORTED (row, message) pairs, and how many there were."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = list(errors[:MAX_REPORTED])
        self.total = max(total or 0, len(errors))
        super().__init__(self.errors)

    def lines(self) -> list[str]:
        """One translated line per error, then a note on the errors left out."""
        lines = [describe(row, message) for row, message in self.errors]
        if self.total > len(self.errors):
            left_out = self.total - len(self.errors)
            lines.append(ngettext("… and %(num)d more error.", "… and %(num)d more errors.", left_out))
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


def describe(row: int | None, message: Message) -> str:
    if row is None:
        return str(message)
    return _("Row %(row)d: %(message)s", row=row, message=message)


class RowErrors:
    """Collects every problem of a file so the user can fix them all in one go."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, row: int | None, message: Message) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append((row, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise TerritoryFileError(self.errors, self.total)
