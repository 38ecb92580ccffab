"""Entity lists served to forms as CSV attachments (`minori.csv`, read by `instance('minori')`).

The columns are those ODK Central serves to clients: `name` (the entity id), `label`, `__version`, then the
list's properties in the order given. A property an entity never received is an empty cell. Values are
written verbatim, quoted as CSV needs: the file is read by forms, not opened in a spreadsheet, so
formula-looking values are not altered. Which entities go in (the user's scope, no deleted ones) is for
the caller to choose.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from forms.entity_versions import EntityState

__all__ = ["SYSTEM_COLUMNS", "entity_csv"]

SYSTEM_COLUMNS = ("name", "label", "__version")


def entity_csv(entities: Iterable[EntityState], properties: Sequence[str]) -> bytes:
    """The UTF-8 CSV of `entities` (their current versions) with one column per property."""
    clash = set(SYSTEM_COLUMNS) & set(properties)
    if clash:
        raise ValueError(f"Property names may not be {', '.join(sorted(clash))}: those columns are ODK's.")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*SYSTEM_COLUMNS, *properties))
    # None (a property the entity does not have) is written as an empty cell by the csv module itself.
    writer.writerows(
        [entity.id, entity.label, entity.version, *map(entity.properties.get, properties)]
        for entity in entities
    )
    return out.getvalue().encode("utf-8")
